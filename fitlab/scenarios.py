"""Named scenarios an instructor sets in one click, each showing one thing the lesson teaches.

A scenario changes only the setting it teaches: the three learning-rate scenarios change
only the learning rate from the lesson's defaults (5,000 Shapes images, 10 epochs); the
Overfitting scenario trains 1,500 images for 30 epochs, the two dropout ones 2,000 images for
25 epochs (where dropout's effect showed on every seed measured). Before its run a scenario
says what to watch; only after it, what Fit Lab's own runs of exactly these settings showed
(`result`), on the seeds that the claims it names re-run (`python -m fitlab claims KEY`,
fitlab/claims.py). The last scenario, the episode's current edition, uses CIFAR-10 and quotes
no figures of a run.
"""

from __future__ import annotations

import dataclasses

from fitlab.data import CIFAR10, LESSON_FIVE
from fitlab.settings import Settings


@dataclasses.dataclass(frozen=True)
class Scenario:
    title: str
    hint: str  # one line, shown beside the title in the chooser: the settings, no outcome
    what_to_watch: str  # shown once it is chosen: where to look, no outcome
    settings: Settings
    result: str = ""  # shown once its run is trained: what measured runs showed
    claims: tuple[str, ...] = ()  # the claims (fitlab/claims.py) behind `result`'s figures


OVERFITTING_DATA = {"train_images": 1500, "epochs": 30}
DROPOUT_DATA = {"train_images": 2000, "epochs": 25}

SCENARIOS = [
    Scenario(
        "Learning rate too high",
        "Adam at 1.0, a thousand times its default.",
        # It is over in seconds, and on a laptop the loss per batch is under the first screen:
        # how it ends first, then the chart, which keeps the first epoch to read afterwards.
        "Adam at 1.0. Watch how the run ends, then read its first epoch, batch by batch, on "
        "the loss per batch chart.",
        Settings(learning_rate=1.0),
        "In Fit Lab's runs of these settings (seeds 42, 1, 2, 3) a group of batches' loss leapt "
        "past 10,000 in the first epoch; then the network gave every picture the same "
        "answer, every unit of its last hidden layer at 0, validation accuracy no better "
        "than 0.2 (chance: 1 in 8), and Fit Lab stopped the run and said why.",
        ("adam-1-collapses",),
    ),
    Scenario(
        "Learning rate too low",
        "Adam at 0.00001, a hundred times below its default; nothing else changed.",
        "Adam at 0.00001. Watch how far the loss moves from chance level (ln 8 = 2.08) in "
        "ten epochs, and in which direction.",
        Settings(learning_rate=0.00001),
        "In Fit Lab's runs (seeds 42, 1, 2, 3) the training loss fell in every one of the ten "
        "epochs, but stayed within 5 % of 2.08: every step is tiny. It is slow, not stuck: "
        "the loss was still going down when the run ended.",
        ("too-low-is-slow",),
    ),
    Scenario(
        "Learning rate about right",
        "Adam's default, 0.001: the lesson's default run.",
        "Adam at its default, 0.001. Watch training and validation loss, epoch after epoch.",
        Settings(learning_rate=0.001),
        "In Fit Lab's runs (seeds 42, 1, 2, 3) validation loss ended well below chance level "
        "and validation accuracy passed 0.4, more than three times chance (1 in 8), within "
        "ten epochs.",
        ("default-run-learns",),
    ),
    Scenario(
        "Overfitting",
        "1,500 images for 30 epochs.",
        "1,500 images (1,200 to train) for 30 epochs. Watch the validation loss against the "
        "training loss, and the epoch where the validation loss is lowest: the loss chart "
        "has a tick for every epoch, and pointing at a dot of the dashed line names its "
        "epoch and loss. (The chart marks that epoch once the exercise that asks for it "
        "is done.)",
        Settings(learning_rate=0.001, **OVERFITTING_DATA),
        "In Fit Lab's runs (seeds 42, 1, 2, 3) the validation loss fell below chance level "
        "to its lowest between epochs 5 and 20, then climbed back by 0.2 or more while the "
        "training loss kept falling: the network went on memorising its 1,200 pictures.",
        ("overfitting-turns-up",),
    ),
    Scenario(
        "Dropout helps",
        "The dropout model at rate 0.5, 2,000 images for 25 epochs.",
        "The dropout model at rate 0.5, 2,000 images for 25 epochs. Watch the gap between "
        "training and validation accuracy; then compare with 'Dropout switched off' on "
        "Your runs.",
        Settings(model="dropout", dropout_rate=0.5, **DROPOUT_DATA),
        "In Fit Lab's runs (seeds 42, 1, 2, 3), against the same model at rate 0: training "
        "accuracy ended lower, the gap to validation accuracy at least 0.1 narrower, and "
        "validation loss lower, with validation accuracy about the same.",
        ("dropout-narrows-gap", "dropout-helps"),
    ),
    Scenario(
        "Dropout switched off",
        "The same dropout model at rate 0: the gap to compare with.",
        "The dropout model with its Dropout layer at rate 0, which lets every unit through: "
        "the same network as 'Dropout helps', on the same images, without dropout. Watch the "
        "gap between training and validation accuracy.",
        Settings(model="dropout", dropout_rate=0.0, **DROPOUT_DATA),
        "In Fit Lab's runs (seeds 42, 1, 2, 3) training accuracy ended higher than with dropout "
        "at 0.5, and the gap to validation accuracy wider by 0.1 or more.",
        ("dropout-narrows-gap",),
    ),
    Scenario(
        "The June 2026 edition",
        "The episode's setup today: five CIFAR-10 classes, whole-number labels, sparse loss.",
        "The setup of the episode's current edition (June 2026): CIFAR-10's airplane, bird, "
        "cat, dog and truck, labels kept as whole numbers with sparse categorical "
        "cross-entropy, Adam at its default rate, 10 epochs on 1,000 training images (Fit Lab "
        "holds out 250 more to validate). Five classes put chance level at ln 5 = 1.61 and "
        "an accuracy of 0.2. The edition's first model is smaller (one convolution, no hidden "
        "Dense layer); Fit Lab trains the first model of the editions before it (two "
        "convolutions, Dense 64). The edition also feeds the network pixels from 0 to 255, "
        "while Fit Lab scales them to 0 to 1 as the earlier editions did. CIFAR-10 is "
        "downloaded on the first run where the server does not have it yet.",
        Settings(dataset=CIFAR10, classes=LESSON_FIVE, loss="sparse_categorical_crossentropy",
                 learning_rate=0.001, train_images=1250, epochs=10),
    ),
]
