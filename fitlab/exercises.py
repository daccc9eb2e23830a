"""Exercises checked from the learner's own runs, and the compile challenge checked from an
answer typed into the blanks of `model.compile`.

Every check reads only what a run recorded (its settings, how it ended and its epochs), so
the same check runs on a run that just ended and on a history saved in a test. A check
returns a sentence naming the run that completed the exercise, or None.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Sequence

from fitlab import data, diagnosis
from fitlab.models import MODELS
from fitlab.history import RunHistory
from fitlab.settings import format_learning_rate

# A run as the checks see it: the number the runs table shows, and its history.
Run = tuple[int, RunHistory]

FAST_EPOCHS = 5
# Validation accuracy to reach within FAST_EPOCHS, per built-in data set, with all of its
# classes: above what the lesson's defaults reach in that time, within reach of a better
# learning rate or more images. Measured on Shapes (5 epochs, seeds 42, 1, 2): the defaults
# reach 0.44, 0.39, 0.38; a learning rate of 0.003 reaches 0.59, 0.45, 0.50. The others are
# set a little above the lesson's figures for 5 epochs. Fewer classes are easier to guess
# (one time in two with two classes), so a run on some of the classes does not count...
FAST_TARGETS = {"shapes": 0.5, "cifar10": 0.45, "fashion_mnist": 0.85, "mnist": 0.97}
# ... nor one validated on so few images that luck decides: on 10 images, an accuracy of 0.5
# is 5 right answers; on 200, its standard error is about 0.035.
FAST_MIN_VALIDATION = 200
# How far validation loss must climb after its best epoch, and for how many epochs, before
# "it stopped improving" is a fair reading of the curve rather than noise.
TURN_EPOCHS_AFTER = 2
# Keras' default learning rate of each optimizer (keras/src/optimizers/adam.py, rmsprop.py,
# sgd.py); "too low" means below it.
KERAS_DEFAULT_RATES = {"adam": 0.001, "rmsprop": 0.001, "sgd": 0.01}
# A run is "stuck" when, over at least STUCK_EPOCHS epochs, its training loss fell by no more
# than STUCK_MOVED of chance level (the loss of a network that gives every class the same
# probability) from its first epoch to its last, and every epoch's training loss and the last
# validation loss lie within STUCK_BAND of chance level, above or below. Measured on Shapes
# (2,000 images, 10 epochs): Adam at 0.00001 goes from 2.086 to 2.073, validation 2.079,
# against ln 8 = 2.079; Adam at 0.001 on 500 images for 30 epochs (the Overfitting scenario)
# falls to 0.408 while its validation loss climbs to 2.615: not stuck.
STUCK_EPOCHS, STUCK_MOVED, STUCK_BAND = 5, 0.05, 0.05
# Dropout has narrowed the gap when the dropout model's run at a rate above 0 ends with a gap
# between training and validation accuracy at least GAP_MARGIN smaller than the same model's
# run at rate 0, whose gap must be at least GAP_SHOWN: without a gap there is nothing to narrow.
GAP_MARGIN, GAP_SHOWN = 0.1, 0.2
@dataclasses.dataclass(frozen=True)
class Exercise:
    key: str  # also its name in the URL's progress marks: ?done=diverge,early_stop
    title: str
    task: str
    hints: tuple[str, ...]
    section: str  # the lesson section it belongs to (a file name in lesson/, without .md)


def _finished_epochs(history: RunHistory) -> list[dict]:
    return [epoch for epoch in history.epochs if "val_loss" in epoch]


def _num_classes(history: RunHistory) -> int:
    return len(history.info.get("class_names", ())) or 2


def _near_chance(loss: float, chance: float) -> bool:
    return abs(loss - chance) <= STUCK_BAND * chance


def diverged(runs: Sequence[Run]) -> str | None:
    for number, history in runs:
        if history.state == diagnosis.DIVERGED:
            return (f"Run #{number} diverged: its loss became NaN at learning rate "
                    f"{format_learning_rate(history.settings.learning_rate)}.")
        if history.state == diagnosis.COLLAPSED:
            return (f"Run #{number} exploded and collapsed to chance level at learning rate "
                    f"{format_learning_rate(history.settings.learning_rate)}.")
    return None


def stuck(runs: Sequence[Run]) -> str | None:
    """A run with a learning rate below its optimizer's default whose training loss hardly
    moved from where it started, near chance level, and whose validation loss ended there
    too: not one that learned, nor one that broke (a collapse, an explosion, a NaN)."""
    for number, history in runs:
        epochs = _finished_epochs(history)
        settings = history.settings
        if history.state != diagnosis.FINISHED or len(epochs) < STUCK_EPOCHS or \
                settings.learning_rate >= KERAS_DEFAULT_RATES[settings.optimizer]:
            continue
        chance = diagnosis.chance_loss(_num_classes(history))
        first, last = epochs[0], epochs[-1]
        if first["loss"] - last["loss"] <= STUCK_MOVED * chance and \
                all(_near_chance(epoch["loss"], chance) for epoch in epochs) and \
                _near_chance(last["val_loss"], chance):
            return (f"Run #{number} (learning rate {format_learning_rate(settings.learning_rate)}"
                    f") trained {len(epochs)} epochs and its training loss only went from "
                    f"{diagnosis.format_loss(first['loss'])} to "
                    f"{diagnosis.format_loss(last['loss'])}; validation loss "
                    f"{diagnosis.format_loss(last['val_loss'])}, next to {chance:.2f} for a "
                    "network that only guesses.")
    return None


def turning_point(history: RunHistory) -> int | None:
    """The epoch with the lowest validation loss, when the loss then rose for at least
    TURN_EPOCHS_AFTER epochs; None when the curve has not turned."""
    epochs = _finished_epochs(history)
    if len(epochs) < TURN_EPOCHS_AFTER + 2:
        return None
    best = min(epochs, key=lambda epoch: epoch["val_loss"])
    later = [epoch for epoch in epochs if epoch["epoch"] > best["epoch"]]
    return best["epoch"] if len(later) >= TURN_EPOCHS_AFTER else None


def best_epoch_answer(runs: Sequence[Run], answer: int | None) -> tuple[str | None, str]:
    """(evidence when the answer is right, else None; a sentence to show the learner).
    Only runs without early stopping count: an early-stopped run's message names its best
    epoch, so typing it in shows nothing."""
    turned = [(number, history, turning_point(history)) for number, history in runs
              if not history.settings.patience]
    turned = [(number, history, best) for number, history, best in turned if best]
    if not turned:
        return None, ("None of your runs without early stopping shows it yet: train with "
                      "patience 0 until the validation loss has risen for "
                      f"{TURN_EPOCHS_AFTER} epochs after its lowest point.")
    number, history, best = turned[-1]  # the latest run that shows it
    if answer == best:
        return (f"Right: in run #{number} the validation loss was lowest in epoch {best} and "
                "rose after it."), ""
    if answer is None:
        return None, f"Run #{number} shows it. Which epoch is it?"
    return None, (f"Not epoch {answer}: in run #{number} another epoch has a lower validation "
                  "loss. Look for the lowest point of the validation line on the loss chart.")


def fast(runs: Sequence[Run]) -> str | None:
    """A run on all the classes of a built-in data set, validated on at least
    FAST_MIN_VALIDATION images, that reached its target within FAST_EPOCHS epochs."""
    for number, history in runs:
        target = FAST_TARGETS.get(history.settings.dataset)
        if target is None or \
                _num_classes(history) < data.BUILT_IN[history.settings.dataset].num_classes or \
                history.info.get("validation_images", 0) < FAST_MIN_VALIDATION:
            continue
        for epoch in _finished_epochs(history)[:FAST_EPOCHS]:
            if epoch["val_accuracy"] >= target:
                return (f"Run #{number} reached validation accuracy "
                        f"{epoch['val_accuracy']:.3f} in epoch {epoch['epoch']}, past the "
                        f"{target:g} asked for.")
    return None


def _gap(epoch: dict) -> float:
    return epoch["accuracy"] - epoch["val_accuracy"]


# Settings that may differ between the two runs of the dropout exercise: the rate itself, and
# what only decides how long or from which random start a run trains.
_FREE_FOR_DROPOUT = ("dropout_rate", "epochs", "patience", "seed")


def dropout_narrows_the_gap(runs: Sequence[Run]) -> str | None:
    """Two runs of the dropout model, the same in all but the rate (and the number of epochs,
    the patience and the seed): one at rate 0, whose gap between training and validation
    accuracy is at least GAP_SHOWN, one at a higher rate whose gap is at least GAP_MARGIN
    smaller. The gaps are compared at the last epoch both reached, each after at least
    FAST_EPOCHS epochs, so that a shorter run's smaller gap does not count."""
    def usable(history: RunHistory) -> bool:
        return (MODELS[history.settings.model].has_dropout
                and history.state in (diagnosis.FINISHED, diagnosis.EARLY_STOPPED)
                and len(_finished_epochs(history)) >= FAST_EPOCHS)

    def alike(history: RunHistory) -> dict:
        values = history.settings.to_dict()
        return {key: value for key, value in values.items() if key not in _FREE_FOR_DROPOUT}

    dropout = [(number, history) for number, history in runs if usable(history)]
    switched_off = [(number, history) for number, history in dropout
                    if history.settings.dropout_rate == 0]
    switched_on = [(number, history) for number, history in dropout
                   if history.settings.dropout_rate > 0]
    for number, history in reversed(switched_on):
        for other_number, other in reversed(switched_off):
            if alike(other) != alike(history):
                continue
            common = min(len(_finished_epochs(history)), len(_finished_epochs(other)))
            gap = _gap(_finished_epochs(history)[common - 1])
            other_gap = _gap(_finished_epochs(other)[common - 1])
            if other_gap >= GAP_SHOWN and gap <= other_gap - GAP_MARGIN:
                rate = format_learning_rate(history.settings.dropout_rate)
                return (f"After epoch {common}, run #{number} (dropout rate {rate}) had a gap "
                        f"of {gap:.2f} between training and validation accuracy; run "
                        f"#{other_number}, the same model with dropout switched off, "
                        f"{other_gap:.2f}.")
    return None


def early_stopped(runs: Sequence[Run]) -> str | None:
    for number, history in runs:
        if history.state == diagnosis.EARLY_STOPPED:
            return f"Run #{number}: {history.message}"
    return None


_TARGETS = ", ".join(f"{target:g} on {data.title(name)}" for name, target in FAST_TARGETS.items())
EXERCISES = (
    Exercise("compile", "Fill in the blanks of model.compile",
             "Complete the compile call for the lesson's CNN: one-hot labels of ten classes, "
             "Adam with its default settings, and accuracy reported after every epoch.",
             ("The optimizer is an object from keras.optimizers, or its name as a string.",
              "One-hot labels call for the loss whose name has no 'sparse' in it.",
              "metrics takes a list, even for a single metric."),
             "01-compile-and-fit"),
    Exercise("diverge", "Make a run diverge",
             "Choose a learning rate so high that training breaks down: the loss turns into "
             "NaN, or explodes and then sits at chance level.",
             ("Learning rates go up to 10. Try the highest with SGD.",
              "The scenario 'Learning rate too high' sets Adam at 1.0."),
             "04-learning-rate"),
    Exercise("stuck", "Get stuck with a learning rate that is too low",
             f"Train for at least {STUCK_EPOCHS} epochs with a learning rate below your "
             "optimizer's default, so low that the training loss hardly moves from where it "
             f"started: it and the validation loss stay within {STUCK_BAND:.0%} of chance "
             "level, ln(number of classes).",
             ("The lowest learning rate on the slider is 0.00001.",
              "The scenario 'Learning rate too low' does it in ten epochs.",
              "A run that learned, or whose loss went far above chance level, has not got "
              "stuck: its learning rate was not too low."),
             "04-learning-rate"),
    Exercise("fast", f"Reach the target within {FAST_EPOCHS} epochs",
             f"Reach a validation accuracy of at least {_TARGETS} within the first "
             f"{FAST_EPOCHS} epochs of a run on all of the data set's classes, validated on at "
             f"least {FAST_MIN_VALIDATION} images.",
             ("The lesson's defaults fall a little short. Which setting makes each step count "
              "for more?",
              "Try a learning rate of 0.003, or more training images.",
              "The targets were measured with every class of the data set. With fewer classes "
              "guessing is right more often (one time in two with two classes), so such a run "
              f"does not count; nor does one with fewer than {FAST_MIN_VALIDATION} validation "
              f"images (20 % of {FAST_MIN_VALIDATION * 5:,} training images), where luck "
              "decides."),
             "06-batch-size-and-epochs"),
    Exercise("best_epoch", "Find the epoch where validation loss stops improving",
             "Train a run that overfits, without early stopping, then enter the epoch in "
             "which its validation loss was lowest.",
             ("The scenario 'Overfitting' trains 500 images for 30 epochs.",
              "Follow the dashed validation line on the loss chart to its lowest point and "
              "read the epoch below it.",
              "A run with early stopping names its best epoch in its message, so it does not "
              "count here: set the patience to 0."),
             "07-reading-the-curves"),
    Exercise("dropout_gap", "Show that dropout narrows the gap",
             "Train the dropout model twice on the same images with the same settings, once "
             "with Dropout rate 0 and once with a higher rate, for at least "
             f"{FAST_EPOCHS} epochs each. At rate 0 the gap between training and validation "
             f"accuracy should reach {GAP_SHOWN:g} or more; with dropout it should be at "
             f"least {GAP_MARGIN:g} smaller.",
             ("Use the scenarios 'Dropout switched off' and then 'Dropout helps': the same "
              "model, rate 0 against 0.5.",
              "Comparing with the first model would compare two networks of different sizes "
              "as well as dropout, so only the dropout model at two rates counts.",
              "Compare the two runs on the Your runs page: the shaded band is the gap."),
             "09-dropout"),
    Exercise("early_stop", "Let early stopping end a run",
             "Set a patience and train until early stopping ends the run before its last "
             "epoch.",
             ("Overfitting runs stop early: try 500 images, 30 epochs and a patience of 3.",),
             "10-early-stopping"),
)
BY_KEY = {exercise.key: exercise for exercise in EXERCISES}

CHECKS: dict[str, Callable[[Sequence[Run]], str | None]] = {
    "diverge": diverged, "stuck": stuck, "fast": fast,
    "dropout_gap": dropout_narrows_the_gap, "early_stop": early_stopped,
}


def newly_done(runs: Sequence[Run], done: set[str]) -> dict[str, str]:
    """{exercise key: evidence} for the exercises these runs complete that are not yet done.
    Runs still training are left out: their curves may yet change."""
    ended = [(number, history) for number, history in runs if not history.active]
    found = {}
    for key, check in CHECKS.items():
        if key not in done:
            evidence = check(ended)
            if evidence:
                found[key] = evidence
    return found


def read_marks(text: str) -> set[str]:
    """Progress marks from the URL (?done=diverge,fast); names that are not exercises are
    dropped."""
    return {name.strip() for name in text.split(",") if name.strip() in BY_KEY}


def write_marks(done: set[str]) -> str:
    return ",".join(exercise.key for exercise in EXERCISES if exercise.key in done)


# -- the compile challenge ---------------------------------------------------------------------

def _plain(text: str) -> str:
    """keras.optimizers.Adam() -> adam(); "categorical_crossentropy" -> categoricalcrossentropy"""
    text = re.sub(r"[\s'\"_]", "", text).lower()
    text = re.sub(r"^(tf\.)?(keras\.)?(optimizers\.|losses\.|metrics\.)?", "", text)
    return text[:-2] if text.endswith("()") else text


def check_optimizer(text: str) -> str | None:
    """None when right; else what is wrong, in a sentence."""
    plain = _plain(text)
    if not plain:
        return "The optimizer is missing."
    if plain == "adam":
        return None
    arguments = re.fullmatch(r"adam\((.*)\)", plain)
    if arguments:
        if re.fullmatch(r"(learningrate=)?(0\.001|1e-0?3|\.001)", arguments.group(1)):
            return None
        return ("The task asks for Adam with its defaults: leave out the arguments, or give "
                "learning_rate=0.001.")
    if plain.split("(")[0] in ("sgd", "rmsprop", "adagrad", "adamw", "nadam", "adadelta"):
        return f"{text.strip()} is an optimizer, but the task asks for Adam."
    return f"Keras has no optimizer called {text.strip()!r}. Try keras.optimizers.Adam()."


def check_loss(text: str) -> str | None:
    plain = _plain(text)
    if not plain:
        return "The loss is missing."
    if plain in ("categoricalcrossentropy", "categoricalcrossentropy(fromlogits=false)"):
        return None
    if plain.startswith("sparsecategoricalcrossentropy"):
        return ("Sparse categorical cross-entropy expects whole-number labels (3), but these "
                "labels are one-hot ([0, 0, 0, 1, 0, …]).")
    if plain.startswith(("mse", "meansquarederror", "mae", "meanabsoluteerror")):
        return ("That is a regression loss: it measures distances between numbers, not how "
                "much probability went to the right class, and trains a classifier slowly "
                "and poorly. Choose a cross-entropy.")
    if plain.startswith("binarycrossentropy"):
        return ("Binary cross-entropy is for yes-or-no answers; these labels choose one of "
                "ten classes.")
    if "fromlogits=true" in plain:
        return ("from_logits=True is for a last layer without softmax; the lesson's model "
                "ends in a softmax.")
    return f"Keras has no loss called {text.strip()!r} for this task."


METRIC_NAMES = ("accuracy", "acc", "categoricalaccuracy")


def check_metrics(text: str) -> str | None:
    inside = text.strip()
    if inside.startswith("[") and inside.endswith("]"):
        inside = inside[1:-1]
    names = [_plain(name) for name in inside.split(",") if name.strip()]
    if not names:
        return "The list of metrics is empty: put accuracy in it."
    if not any(name in METRIC_NAMES for name in names):
        if any("crossentropy" in name for name in names):
            return ("The loss already reports cross-entropy; the task asks for accuracy, the "
                    "share of images classified right.")
        return "The task asks for accuracy: \"accuracy\" is enough."
    return None


def check_compile(optimizer: str, loss: str, metrics: str) -> dict[str, str]:
    """{blank: what is wrong} for each blank answered wrongly; empty when all are right."""
    problems = {"optimizer": check_optimizer(optimizer), "loss": check_loss(loss),
                "metrics": check_metrics(metrics)}
    return {blank: problem for blank, problem in problems.items() if problem}
