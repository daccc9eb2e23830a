"""Named scenarios an instructor sets in one click, each showing one thing the lesson teaches.

The figures in the descriptions were measured on Shapes with these exact settings; the last
scenario, the episode's current edition, uses CIFAR-10 and quotes no figures of a run.
"""

from __future__ import annotations

import dataclasses

from fitlab.data import CIFAR10, LESSON_FIVE
from fitlab.settings import Settings


@dataclasses.dataclass(frozen=True)
class Scenario:
    title: str
    hint: str  # one line, shown beside the title in the chooser
    what_to_watch: str  # shown once it is chosen, until its run is trained
    settings: Settings


SCENARIOS = [
    Scenario(
        "Learning rate too high",
        "Adam at 1.0: the loss explodes, then the network stops learning.",
        "Adam at 1.0: the loss leaps to hundreds of thousands in the first epoch, then the "
        "loss sits at chance level (ln 8 = 2.08) and Fit Lab stops the run and says why.",
        Settings(learning_rate=1.0, train_images=2000, epochs=10),
    ),
    Scenario(
        "Learning rate too low",
        "Adam at 0.00001: ten epochs, and the loss has hardly moved.",
        "Adam at 0.00001: every step is tiny, so after ten epochs the loss has hardly left "
        "2.08 and the accuracy hardly left 1 in 8. It is stuck, not broken.",
        Settings(learning_rate=0.00001, train_images=2000, epochs=10),
    ),
    Scenario(
        "Learning rate about right",
        "Adam's default, 0.001: both losses fall together.",
        "Adam's default, 0.001: training and validation loss fall together, epoch after epoch.",
        Settings(learning_rate=0.001, train_images=5000, epochs=10),
    ),
    Scenario(
        "Overfitting",
        "500 images, 30 epochs: validation loss turns upwards.",
        "Only 500 images for 30 epochs: training accuracy climbs towards 1 while validation "
        "loss turns upwards after a few epochs. The network memorises its 400 pictures.",
        Settings(learning_rate=0.001, train_images=500, epochs=30),
    ),
    Scenario(
        "Dropout helps",
        "The dropout model at rate 0.5: the gap between the curves narrows.",
        "The dropout model on the same 500 images for 30 epochs, at rate 0.5: training "
        "accuracy rises more slowly (0.74 after 30 epochs, against 0.94 with dropout switched "
        "off), so the gap to validation accuracy narrows (0.41 against 0.58) and validation "
        "loss ends far lower (2.05 against 2.92). Validation accuracy is about the same "
        "(0.33 against 0.36): on 400 pictures dropout curbs the overconfidence more than it "
        "adds right answers. Compare it with 'Dropout switched off' on Your runs.",
        Settings(learning_rate=0.001, train_images=500, epochs=30, model="dropout",
                 dropout_rate=0.5),
    ),
    Scenario(
        "Dropout switched off",
        "The same dropout model at rate 0: the gap to compare with.",
        "The dropout model with its Dropout layer at rate 0, which lets every unit through: "
        "the same network as 'Dropout helps', on the same 500 images for 30 epochs, without "
        "dropout. Training accuracy ends at 0.94 while validation accuracy ends at 0.36 and "
        "validation loss climbs to 2.92, a gap of 0.58 between the accuracies.",
        Settings(learning_rate=0.001, train_images=500, epochs=30, model="dropout",
                 dropout_rate=0.0),
    ),
    Scenario(
        "The June 2026 edition",
        "The episode's setup today: five CIFAR-10 classes, whole-number labels, sparse loss.",
        "The setup of the episode's current edition (June 2026): CIFAR-10's airplane, bird, "
        "cat, dog and truck, labels kept as whole numbers with sparse categorical "
        "cross-entropy, Adam at its default rate, 10 epochs on 1,000 training images (Fit Lab "
        "holds out 250 more to validate). Five classes put chance level at ln 5 = 1.61 and "
        "an accuracy of 0.2. The edition's first model is smaller (one convolution, no hidden "
        "Dense layer); Fit Lab trains the 2025 edition's. CIFAR-10 is downloaded on the first "
        "run where the server does not have it yet.",
        Settings(dataset=CIFAR10, classes=LESSON_FIVE, loss="sparse_categorical_crossentropy",
                 learning_rate=0.001, train_images=1250, epochs=10),
    ),
]
