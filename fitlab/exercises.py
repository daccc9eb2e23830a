"""Exercises checked from the learner's own runs, and the compile challenge checked from an
answer typed into the blanks of `model.compile`.

Every check reads only what a run recorded (its settings, how it ended and its epochs), so
the same check runs on a run that just ended and on a history saved in a test. A check
returns a sentence naming the run that completed the exercise, or None.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
from typing import Callable, Sequence

from fitlab import data, diagnosis
from fitlab.models import MODELS
from fitlab.history import RunHistory
from fitlab.settings import OPTIMIZERS, format_learning_rate

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
# The batch-size exercise compares a run at batch size 8 with one at 256, the same in all
# else, after at least BATCH_EPOCHS epochs each. Measured on Shapes, the lesson's defaults
# for 5 epochs (seeds 42, 1, 2, two CPU cores): 1.6, 1.5 and 1.9 s an epoch at 8 against 0.3,
# 0.5 and 0.6 at 256; the per-batch loss moved 0.072, 0.082 and 0.099 from one point of its
# chart to the next at 8 against 0.026, 0.024 and 0.032 at 256; validation accuracy after
# epoch 5 was 0.61, 0.48 and 0.53 against 0.23, 0.22 and 0.27. Two figures closer than these
# margins are too close to call, and either answer counts.
BATCH_SIZES_COMPARED, BATCH_EPOCHS = (8, 256), 3
CLOSE_SECONDS, CLOSE_JUMP, CLOSE_ACCURACY = 0.1, 0.1, 0.02  # shares, shares, accuracy


@dataclasses.dataclass(frozen=True)
class Prediction:
    """A question answered before training, compared with what the run then showed."""
    question: str
    choices: tuple[str, ...]
    right: int  # what Fit Lab's measured runs did (for diverge, what its check requires)
    why: str  # what happens, and why: shown once the exercise is done


@dataclasses.dataclass(frozen=True)
class Exercise:
    key: str  # also its name in the URL's progress marks: ?done=diverge,early_stop
    title: str
    task: str
    hints: tuple[str, ...]
    section: str  # the lesson section it belongs to (a file name in lesson/, without .md)
    predict: Prediction | None = None


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
                settings.learning_rate >= OPTIMIZERS[settings.optimizer].default_learning_rate:
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
        return None, (f"Run #{number} shows it. Which epoch is it? Type a whole number "
                      f"from 1 to {len(history.epochs)}, its epochs.")
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


def _seconds_per_epoch(epochs: list[dict]) -> float:
    """The mean time of an epoch after the first (which also builds Keras' compiled step),
    from the seconds since the start recorded at the end of each."""
    return (epochs[-1]["seconds"] - epochs[0]["seconds"]) / (len(epochs) - 1)


def _mean_jump(history: RunHistory) -> float:
    """How far the per-batch chart's loss moves, on average, from one point to the next: one
    point for each bundle of batches Keras reported on, recovered from its running means."""
    losses, epoch, step, mean = [], None, 0, 0.0
    for record_epoch, record_step, running_mean, *_ in history.batches:
        if record_epoch != epoch:
            epoch, step, mean = record_epoch, 0, 0.0
        if record_step > step:
            losses.append(diagnosis.batch_loss(record_step, running_mean, step, mean))
            step, mean = record_step, running_mean
    jumps = [abs(after - before) for before, after in zip(losses, losses[1:])]
    return sum(jumps) / len(jumps) if jumps else 0.0


# Settings that may differ between the two runs of the batch-size exercise.
_FREE_FOR_BATCH = ("batch_size", "epochs", "patience", "seed")
BATCH_QUESTIONS = {
    "faster": "Which run took less time per epoch?",
    "jumpier": "On the Loss per batch chart, whose faint line jumps more from point to point?",
    "accurate": "Which run ended with the higher validation accuracy?",
}


def batch_size_pair(runs: Sequence[Run]) -> dict | None:
    """The latest two runs at batch sizes 8 and 256, alike in all else (but the epochs, the
    patience and the seed), each ended well after at least BATCH_EPOCHS epochs, with what
    they show: {"runs": (number at 8, number at 256), "epoch": compared at, and for each
    question of BATCH_QUESTIONS, "8", "256", or None when too close to call}, plus the
    figures."""
    def usable(history: RunHistory) -> bool:
        return (history.settings.batch_size in BATCH_SIZES_COMPARED
                and history.state in (diagnosis.FINISHED, diagnosis.EARLY_STOPPED)
                and len(_finished_epochs(history)) >= BATCH_EPOCHS
                and all("seconds" in epoch for epoch in _finished_epochs(history)))

    def alike(history: RunHistory) -> dict:
        values = history.settings.to_dict()
        return {key: value for key, value in values.items() if key not in _FREE_FOR_BATCH}

    small, large = BATCH_SIZES_COMPARED
    usable_runs = [(number, history) for number, history in runs if usable(history)]
    for number, history in reversed(usable_runs):
        for other_number, other in reversed(usable_runs):
            if history.settings.batch_size != small or other.settings.batch_size != large or \
                    alike(history) != alike(other):
                continue
            common = min(len(_finished_epochs(history)), len(_finished_epochs(other)))
            mine, theirs = _finished_epochs(history)[:common], _finished_epochs(other)[:common]
            seconds = (_seconds_per_epoch(mine), _seconds_per_epoch(theirs))
            jumps = (_mean_jump(history), _mean_jump(other))
            accuracy = (mine[-1]["val_accuracy"], theirs[-1]["val_accuracy"])

            def which(pair, close, lower=False, relative=True):
                gap = abs(pair[0] - pair[1])
                if gap <= (close * max(pair) if relative else close):
                    return None
                first = pair[0] < pair[1] if lower else pair[0] > pair[1]
                return str(small if first else large)

            return {"runs": (number, other_number), "epoch": common,
                    "seconds": seconds, "jumps": jumps, "accuracy": accuracy,
                    "faster": which(seconds, CLOSE_SECONDS, lower=True),
                    "jumpier": which(jumps, CLOSE_JUMP),
                    "accurate": which(accuracy, CLOSE_ACCURACY, relative=False)}
    return None


def batch_size_answer(runs: Sequence[Run],
                      answers: dict[str, str | None]) -> tuple[str | None, str]:
    """(evidence when every answer agrees with the runs, else None; a sentence for the
    learner). `answers` holds "8" or "256" (or None) for each question of BATCH_QUESTIONS."""
    pair = batch_size_pair(runs)
    if pair is None:
        return None, ("Train two runs first, one at batch size 8 and one at 256, the same in "
                      f"all else, for at least {BATCH_EPOCHS} epochs each.")
    if any(answers.get(key) is None for key in BATCH_QUESTIONS):
        return None, "Answer all three questions from your two runs."
    wrong = [question for key, question in BATCH_QUESTIONS.items()
             if pair[key] is not None and answers[key] != pair[key]]
    small_run, large_run = pair["runs"]
    if wrong:
        return None, (f"Not quite: look again at runs #{small_run} and #{large_run} for "
                      f"\"{wrong[0]}\" The Your runs page has each run's seconds; the Loss per "
                      "batch chart shows the line of the run you are looking at.")
    (seconds_8, seconds_256), (jump_8, jump_256) = pair["seconds"], pair["jumps"]
    accuracy_8, accuracy_256 = pair["accuracy"]
    close = [question for key, question in BATCH_QUESTIONS.items() if pair[key] is None]
    evidence = (f"Right. After epoch {pair['epoch']}, run #{small_run} (batch size 8) against "
                f"run #{large_run} (256): {seconds_8:.1f} s against {seconds_256:.1f} s an "
                f"epoch; the per-batch loss moved {jump_8:.3f} against {jump_256:.3f} from one "
                f"point to the next; validation accuracy {accuracy_8:.2f} against "
                f"{accuracy_256:.2f}.")
    if close:
        evidence += " Too close to call, so either answer counted: " + " ".join(close)
    return evidence, ""


_TARGETS = ", ".join(f"{target:g} on {data.title(name)}" for name, target in FAST_TARGETS.items())
# In the lesson's order: by section, and within one as they are written here.
EXERCISES = tuple(sorted((
    Exercise("compile", "Fill in the blanks of model.compile",
             "Complete the compile call for the lesson's CNN on CIFAR-10, whatever data set "
             "you train on here: its last layer is a softmax over CIFAR-10's ten classes. Ask "
             "for the cross-entropy that fits the labels chosen below, Adam with its default "
             "settings, and accuracy reported after every epoch. Fit Lab checks each blank by "
             "Keras 3's own rules.",
             ("The optimizer is an object from keras.optimizers, or its name as a string.",
              "One-hot labels call for the loss whose name has no 'sparse' in it; whole-number "
              "labels for the one that has.",
              "metrics takes a list, even for a single metric. \"accuracy\" lets Keras pick "
              "the accuracy that fits the labels."),
             "05-metrics"),
    Exercise("diverge", "Make a run diverge",
             "Choose a learning rate so high that training breaks down: the loss turns into "
             "NaN, or explodes and then sits at chance level.",
             ("Learning rates go up to 10. Try the highest with SGD.",
              "The scenario 'Learning rate too high' sets Adam at 1.0."),
             "04-learning-rate",
             Prediction("Before you train at a learning rate of 1.0: what do you expect the "
                        "loss to do?",
                        ("Fall faster than at 0.001, since every step goes further",
                         "Hardly move, as if stuck",
                         "Break down: jump far up or turn into NaN, then stop improving"),
                        2,
                        "The steps are so long that they overshoot, and the loss jumps far "
                        "up. Measured on Shapes: Adam at 1.0 jumps, then sits at chance "
                        "level, as its first steps switch off the ReLU units for every image "
                        "and nothing more is learned; SGD at 10 turns the loss into NaN.")),
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
    Exercise("batch_size", "Batch size 8 against 256",
             f"Train two runs for at least {BATCH_EPOCHS} epochs each, the same in all but the "
             "batch size: 8 in one, 256 in the other. Then answer from your own runs: which "
             "took less time per epoch, whose per-batch loss jumps more, and which ended more "
             "accurate.",
             ("The lesson's defaults for 5 epochs take about 10 s at 8 and 3 s at 256 on two "
              "CPU cores.",
              "Your runs lists each run's seconds; divide by its epochs. Compare the runs "
              "there to see both accuracy curves on one chart.",
              "The Loss per batch chart is drawn below the loss and accuracy charts for the "
              "run you trained last; Re-run on Your runs brings back the other.",
              "Change nothing but the batch size between the two runs (the seed and the "
              "number of epochs may differ): otherwise two things changed at once."),
             "06-batch-size-and-epochs",
             Prediction("Before you train both: after the same number of epochs, which run "
                        "will have the higher validation accuracy?",
                        ("Batch size 8", "Batch size 256", "About the same"),
                        0,
                        "At batch size 8 an epoch holds 500 weight updates, at 256 only 16, "
                        "with the same learning rate: the small batches get much further in "
                        "the same epochs (measured after 5 epochs on Shapes: 0.48 to 0.61 "
                        "against 0.22 to 0.27), though each epoch takes longer.")),
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
             "09-dropout",
             Prediction("Before you train with dropout: after 30 epochs, how will its "
                        "training accuracy compare with the run at rate 0?",
                        ("Higher: dropout helps the network learn the training images",
                         "Lower, while its validation accuracy holds or rises",
                         "The same: dropout only matters for validation"),
                        1,
                        "Dropout switches off a share of the units at random in every "
                        "training step (half at rate 0.5), so the network cannot lean on "
                        "memorised details. Measured at rate 0.5 against 0: "
                        "training accuracy 0.74 against 0.94, validation 0.33 against 0.36 "
                        "(the dropout model, Dense 64, on 500 Shapes pictures). The gap "
                        "narrows, here from the training side.")),
    Exercise("early_stop", "Let early stopping end a run",
             "Set a patience and train until early stopping ends the run before its last "
             "epoch.",
             ("Overfitting runs stop early: try 500 images, 30 epochs and a patience of 3.",),
             "10-early-stopping"),
), key=lambda exercise: exercise.section))
BY_KEY = {exercise.key: exercise for exercise in EXERCISES}

CHECKS: dict[str, Callable[[Sequence[Run]], str | None]] = {
    "diverge": diverged, "stuck": stuck, "fast": fast,
    "dropout_gap": dropout_narrows_the_gap, "early_stop": early_stopped,
}


def what_happened(key: str, pair: dict | None = None) -> int:
    """The choice of an exercise's predict-first question that came true once it is done:
    for the batch-size exercise, what the learner's own two runs showed (`pair`, from
    batch_size_pair), else the answer its check requires or Fit Lab's measured runs gave."""
    predict = BY_KEY[key].predict
    if key == "batch_size" and pair is not None:
        # "About the same" is the third choice: too close to call, in the check's words.
        return {"8": 0, "256": 1, None: 2}[pair["accurate"]]
    return predict.right


def prediction_outcome(key: str, chosen: int, happened: int) -> str:
    """The learner's prediction beside what happened, saying whether it was right."""
    predict = BY_KEY[key].predict
    said, was = predict.choices[chosen], predict.choices[happened]
    if chosen == happened:
        return f"**You predicted *{said}*, and so it was: right.** {predict.why}"
    return f"**You predicted *{said}*; it was *{was}*. Not this time.** {predict.why}"


def read_predictions(text: str) -> dict[str, int]:
    """Predictions from the URL (?predicted=batch_size.1,diverge.2): an exercise's key and
    the number of its choice; anything else is dropped."""
    found = {}
    for mark in text.split(","):
        key, _, choice = mark.strip().partition(".")
        predict = BY_KEY[key].predict if key in BY_KEY else None
        if predict and choice.isascii() and choice.isdigit() and \
                int(choice) < len(predict.choices):
            found[key] = int(choice)
    return found


def write_predictions(predictions: dict[str, int]) -> str:
    return ",".join(f"{exercise.key}.{predictions[exercise.key]}" for exercise in EXERCISES
                    if exercise.key in predictions)


# How many exercises of each kind there are, for pages that describe them: counted here, so
# that a new exercise cannot leave a page's sentence behind.
PREDICT_FIRST = sum(1 for exercise in EXERCISES if exercise.predict)
ANSWERED = sum(1 for exercise in EXERCISES if exercise.key not in CHECKS)  # typed or chosen
_WORDS = "no one two three four five six seven eight nine ten eleven twelve".split()


def in_words(number: int) -> str:
    return _WORDS[number] if 0 <= number < len(_WORDS) else f"{number:,}"


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
#
# Each blank is read as Python (ast: parsed, never run) and judged by what Keras 3.15.1 does
# with it, not by a normalised spelling. The tables below were read from Keras itself
# (keras/src/optimizers/__init__.py, losses/__init__.py, metrics/__init__.py,
# trainers/compile_utils.py); tests/test_exercises.py checks every entry in real Keras, and
# the server never imports Keras to check an answer.

# The labels of each variant: one-hot (Fit Lab's default, the 2025 edition of the episode) or
# whole numbers (the current edition: sparse categorical cross-entropy).
LABELS = {"one-hot": "one-hot labels ([0, 0, 0, 1, 0, …])",
          "integer": "whole-number labels (3)"}

# A string optimizer is lowercased and looked up among these (optimizers.deserialize): "Adam"
# and "ADAM" work, " adam" does not. Its class, passed without (), is refused (optimizers.get).
KERAS_OPTIMIZER_STRINGS = (
    "adadelta adafactor adagrad adam adamax adamw ftrl lion lossscaleoptimizer multioptimizer "
    "muon nadam optimizer optimizermap rmsprop schedulefreeadamw sgd").split()
KERAS_OPTIMIZER_CLASSES = (
    "Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lamb Lion LossScaleOptimizer "
    "MultiOptimizer Muon Nadam Optimizer OptimizerMap RMSprop SGD ScheduleFreeAdamW").split()
# A string loss is looked up exactly, case and underscores included (losses.get), except
# "crossentropy" and "ce" in any case, for which compile picks the cross-entropy that fits
# the labels' shape (compile_utils.get_loss). Each name -> the loss function it gives.
KERAS_LOSS_STRINGS = {
    **{name: name for name in (
        "binary_crossentropy binary_focal_crossentropy categorical_crossentropy "
        "categorical_focal_crossentropy categorical_hinge circle cosine_similarity ctc dice "
        "hinge huber kl_divergence log_cosh mean_absolute_error mean_absolute_percentage_error "
        "mean_squared_error mean_squared_logarithmic_error poisson "
        "sparse_categorical_crossentropy squared_hinge tversky").split()},
    "BCE": "binary_crossentropy", "bce": "binary_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CTC": "ctc", "CategoricalCrossentropy": "categorical_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "CategoricalHinge": "categorical_hinge", "Circle": "circle",
    "CosineSimilarity": "cosine_similarity", "Dice": "dice", "Hinge": "hinge", "Huber": "huber",
    "KLD": "kl_divergence", "kld": "kl_divergence", "KLDivergence": "kl_divergence",
    "LogCosh": "log_cosh", "MAE": "mean_absolute_error", "mae": "mean_absolute_error",
    "MeanAbsoluteError": "mean_absolute_error", "MAPE": "mean_absolute_percentage_error",
    "mape": "mean_absolute_percentage_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MSE": "mean_squared_error", "mse": "mean_squared_error",
    "MeanSquaredError": "mean_squared_error", "MSLE": "mean_squared_logarithmic_error",
    "msle": "mean_squared_logarithmic_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error", "Poisson": "poisson",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "SquaredHinge": "squared_hinge", "Tversky": "tversky",
}
# What `keras.losses.` offers by name: each class -> the function it computes. Its functions
# (categorical_crossentropy, …) are the values, and name themselves.
KERAS_LOSS_CLASSES = {
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy", "CTC": "ctc",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "CategoricalGeneralizedCrossEntropy": "categorical_generalized_cross_entropy",
    "CategoricalHinge": "categorical_hinge", "Circle": "circle",
    "CosineSimilarity": "cosine_similarity", "Dice": "dice", "Hinge": "hinge", "Huber": "huber",
    "KLDivergence": "kl_divergence", "LogCosh": "log_cosh",
    "MeanAbsoluteError": "mean_absolute_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MeanSquaredError": "mean_squared_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error", "Poisson": "poisson",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "SquaredHinge": "squared_hinge", "Tversky": "tversky",
}
KERAS_LOSS_FUNCTIONS = set(KERAS_LOSS_CLASSES.values())
RIGHT_LOSS = {"one-hot": "categorical_crossentropy", "integer": "sparse_categorical_crossentropy"}
# A string metric is looked up exactly (metrics.get), except "accuracy" and "acc" in any
# case, for which compile picks the accuracy that fits the labels (compile_utils.get_metric).
# Each name -> the class it gives.
_SNAKE = {  # metrics.get's snake-case names, besides the class names themselves
    "auc": "AUC", "accuracy": "Accuracy", "bce": "BinaryCrossentropy",
    "binary_accuracy": "BinaryAccuracy", "binary_crossentropy": "BinaryCrossentropy",
    "binary_io_u": "BinaryIoU", "categorical_accuracy": "CategoricalAccuracy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_hinge": "CategoricalHinge", "concordance_correlation": "ConcordanceCorrelation",
    "cosine_similarity": "CosineSimilarity", "f1_score": "F1Score", "f_beta_score": "FBetaScore",
    "false_negatives": "FalseNegatives", "false_positives": "FalsePositives", "hinge": "Hinge",
    "io_u": "IoU", "kl_divergence": "KLDivergence", "log_cosh_error": "LogCoshError",
    "mae": "MeanAbsoluteError", "MAE": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError", "MAPE": "MeanAbsolutePercentageError",
    "mean": "Mean", "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError", "mean_io_u": "MeanIoU",
    "mean_metric_wrapper": "MeanMetricWrapper", "mean_squared_error": "MeanSquaredError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError", "metric": "Metric",
    "mse": "MeanSquaredError", "MSE": "MeanSquaredError",
    "msle": "MeanSquaredLogarithmicError", "MSLE": "MeanSquaredLogarithmicError",
    "BCE": "BinaryCrossentropy", "one_hot_io_u": "OneHotIoU",
    "one_hot_mean_io_u": "OneHotMeanIoU", "pearson_correlation": "PearsonCorrelation",
    "poisson": "Poisson", "precision": "Precision", "precision_at_recall": "PrecisionAtRecall",
    "r2_score": "R2Score", "recall": "Recall", "recall_at_precision": "RecallAtPrecision",
    "root_mean_squared_error": "RootMeanSquaredError",
    "sensitivity_at_specificity": "SensitivityAtSpecificity",
    "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
    "specificity_at_sensitivity": "SpecificityAtSensitivity", "squared_hinge": "SquaredHinge",
    "sum": "Sum", "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
    "true_negatives": "TrueNegatives", "true_positives": "TruePositives",
}
KERAS_METRIC_CLASSES = sorted(set(_SNAKE.values()))
KERAS_METRIC_STRINGS = {**{name: name for name in KERAS_METRIC_CLASSES}, **_SNAKE}
# What `keras.metrics.` offers by name besides its classes: functions -> the class computing
# the same thing, or the function's own name where there is no such class.
KERAS_METRIC_FUNCTIONS = {
    "binary_accuracy": "BinaryAccuracy", "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "categorical_accuracy": "CategoricalAccuracy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "categorical_hinge": "CategoricalHinge", "concordance_correlation": "ConcordanceCorrelation",
    "hinge": "Hinge", "huber": "huber", "kl_divergence": "KLDivergence",
    "log_cosh": "log_cosh", "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mean_squared_error": "MeanSquaredError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "pearson_correlation": "PearsonCorrelation", "poisson": "Poisson",
    "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
    "squared_hinge": "SquaredHinge", "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
}
# The accuracy the task asks for, by labels; and the classification metrics of the lesson's
# section 5 that Keras computes right from those labels, welcome beside it.
RIGHT_ACCURACY = {"one-hot": "CategoricalAccuracy", "integer": "SparseCategoricalAccuracy"}
FINE_BESIDE = {"one-hot": {"TopKCategoricalAccuracy", "Precision", "Recall", "AUC"},
               "integer": {"SparseTopKCategoricalAccuracy"}}
# The module paths a name may be written under (`from keras import optimizers`, `import
# keras`, TensorFlow's tf.keras, which is Keras 3 from TensorFlow 2.16), or none (`from
# keras.optimizers import Adam`).
_PREFIXES = ("", "{m}.", "keras.{m}.", "tf.keras.{m}.")


@dataclasses.dataclass(frozen=True)
class _Answer:
    """A blank as Python sees it: a string, a name (dotted), or a call of a name."""
    kind: str  # "string", "name", "call", "list", "other"
    text: str = ""  # the string, or the name's last part
    module: str = ""  # what comes before the last part, with its dot: "keras.optimizers."
    args: tuple = ()  # a call's positional arguments, as Python values (None: not a literal)
    keywords: tuple = ()  # a call's (keyword, value) pairs
    items: tuple = ()  # a list's or tuple's answers


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _read(node) -> _Answer:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _Answer("string", node.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return _Answer("list", items=tuple(_read(item) for item in node.elts))
    if isinstance(node, ast.Dict):
        return _Answer("dict", items=tuple(_read(value) for value in node.values))
    name = _dotted(node.func if isinstance(node, ast.Call) else node)
    if name is None:
        return _Answer("other")
    module, _, last = name.rpartition(".")
    module = f"{module}." if module else ""
    if not isinstance(node, ast.Call):
        return _Answer("name", last, module)
    return _Answer("call", last, module, tuple(_literal(arg) for arg in node.args),
                   tuple((keyword.arg, _literal(keyword.value)) for keyword in node.keywords))


class _Unreadable(ValueError):
    pass


def _answer(text: str) -> _Answer | str | None:
    """A blank's answer; else why Python cannot read it, or None for an empty blank."""
    try:
        return _parse(text)
    except _Unreadable as unreadable:
        return str(unreadable)


def _parse(text: str) -> _Answer | None:
    """None for an empty blank; _Unreadable for one Python cannot read."""
    text = text.strip()
    if not text:
        return None
    try:
        return _read(ast.parse(text, mode="eval").body)
    except SyntaxError as error:
        raise _Unreadable(f"Python cannot read {text!r}: {error.msg}.") from None


def _module_problem(answer: _Answer, module: str) -> str | None:
    """Why the path before the name is not where Keras keeps it, or None."""
    if answer.module in [prefix.format(m=module) for prefix in _PREFIXES]:
        return None
    brackets = "()" if answer.kind == "call" else ""
    if answer.module.endswith("legacy."):
        return (f"keras.{module}.legacy is gone in Keras 3 (importing from it fails): write "
                f"keras.{module}.{answer.text}{brackets}.")
    return (f"Keras keeps its {module} in keras.{module}: write "
            f"keras.{module}.{answer.text}{brackets}, not {answer.module}{answer.text}.")


def _did_you_mean(name: str, known, quoted: bool = True, unless: str = "") -> str:
    """" Did you mean 'x'?" for the name Keras knows nearest to a misspelt one, else "";
    also "" when `unless`, which the message names anyway, is among the near ones: "adma"
    is nearer "adamax" than "adam", but the task asks for Adam."""
    near = difflib.get_close_matches(name, list(known), n=3)
    if not near or unless in near:
        return ""
    return f" Did you mean {near[0]!r}?" if quoted else f" Did you mean {near[0]}?"


def _quote_reason(answer: _Answer, what: str) -> str:
    return (f"Without quotes, {answer.module}{answer.text} is a Python name that nothing has "
            f"defined: write the {what}'s name as a string, in quotes.")


def check_optimizer(text: str) -> str | None:
    """None when Keras takes it as Adam with its default settings; else what is wrong, in a
    sentence."""
    answer = _answer(text)
    if not isinstance(answer, _Answer):
        return answer or "The optimizer is missing."
    if answer.kind == "string":
        name = answer.text.lower()
        if name == "adam":
            return None
        if name.strip() == "adam":
            return (f"Keras looks the name up as it is written, spaces included: {text.strip()}"
                    " is not an optimizer it knows. Leave out the spaces.")
        if name in KERAS_OPTIMIZER_STRINGS:
            return f"{answer.text!r} is an optimizer Keras knows, but the task asks for Adam."
        return (f"Keras has no optimizer called {answer.text!r}."
                f"{_did_you_mean(name, KERAS_OPTIMIZER_STRINGS, unless='adam')} Try \"adam\".")
    if answer.kind not in ("name", "call"):
        return "The optimizer is a string, \"adam\", or an object: keras.optimizers.Adam()."
    if answer.text not in KERAS_OPTIMIZER_CLASSES:
        if answer.kind == "name" and not answer.module:
            return _quote_reason(answer, "optimizer")
        return (f"Keras has no optimizer called {answer.text}."
                + _did_you_mean(answer.text, KERAS_OPTIMIZER_CLASSES, quoted=False,
                                unless="Adam") + " Try keras.optimizers.Adam().")
    problem = _module_problem(answer, "optimizers")
    if problem:
        return problem
    if answer.text != "Adam":
        return f"{answer.text} is an optimizer Keras knows, but the task asks for Adam."
    if answer.kind == "name":
        return ("That is the class itself, which compile refuses: it needs an optimizer made "
                "from it. Add the brackets: keras.optimizers.Adam().")
    keywords = dict(answer.keywords)
    if "lr" in keywords:
        return "Keras 3 calls it learning_rate and refuses lr."
    rates = [*answer.args[:1], *([keywords.pop("learning_rate")] if "learning_rate" in keywords
                                 else [])]
    if len(answer.args) > 1 or keywords or \
            any(not isinstance(rate, (int, float)) or rate != 0.001 for rate in rates):
        return ("The task asks for Adam with its default settings: leave out the arguments, or "
                "give learning_rate=0.001, Adam's default.")
    return None


def _loss_reason(function: str, labels: str, given: str) -> str | None:
    """None when this loss function is right for the labels; else why not."""
    right = RIGHT_LOSS[labels]
    if function == right:
        return None
    if function == "sparse_categorical_crossentropy":
        return ("Sparse categorical cross-entropy expects whole-number labels (3), but these "
                "labels are one-hot ([0, 0, 0, 1, 0, …]): Keras fails on them.")
    if function == "categorical_crossentropy":
        return ("Categorical cross-entropy expects one-hot labels ([0, 0, 0, 1, 0, …]), but "
                "these labels are whole numbers (3): Keras fails on them. Their loss has "
                "'sparse' in its name.")
    if function == "kl_divergence" and labels == "one-hot":
        return None  # for one-hot labels, the same number as categorical cross-entropy
    if function in ("mean_squared_error", "mean_absolute_error",
                    "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                    "huber", "log_cosh"):
        return ("That is a regression loss: it measures distances between numbers, not how "
                "much probability went to the right class, and trains a classifier slowly "
                "and poorly. Choose a cross-entropy.")
    if function in ("binary_crossentropy", "binary_focal_crossentropy"):
        return ("Binary cross-entropy is for yes-or-no answers; these labels choose one of "
                "ten classes. Keras runs it, but it scores each class on its own.")
    if function == "categorical_focal_crossentropy":
        return ("Focal cross-entropy counts the images the network already gets right for "
                "less; Keras runs it, but the task asks for plain cross-entropy.")
    return (f"{given} is a loss Keras knows, but not a cross-entropy for ten classes: it "
            f"measures something else. The task asks for cross-entropy.")


def check_loss(text: str, labels: str = "one-hot") -> str | None:
    answer = _answer(text)
    if not isinstance(answer, _Answer):
        return answer or "The loss is missing."
    if answer.kind == "string":
        if answer.text.lower() in ("crossentropy", "ce"):
            return None  # compile picks the cross-entropy the labels' shape calls for
        function = KERAS_LOSS_STRINGS.get(answer.text)
        if function is None:
            near = [name for name in KERAS_LOSS_STRINGS
                    if name.lower().replace("_", "") == answer.text.lower().replace("_", "")]
            if near:
                return (f"Keras looks the name up exactly as it is written: {answer.text!r} is "
                        f"not one it knows, {near[0]!r} is.")
            return (f"Keras has no loss called {answer.text!r}."
                    f"{_did_you_mean(answer.text, KERAS_LOSS_STRINGS)}")
        return _loss_reason(function, labels, repr(answer.text))
    if answer.kind not in ("name", "call"):
        return ("The loss is a string, such as \"categorical_crossentropy\", or an object "
                "from keras.losses.")
    known = answer.text in KERAS_LOSS_CLASSES or answer.text in KERAS_LOSS_FUNCTIONS
    if not known:
        if answer.kind == "name" and not answer.module:
            return _quote_reason(answer, "loss")
        return (f"Keras has no loss called {answer.text}."
                + _did_you_mean(answer.text, [*KERAS_LOSS_CLASSES, *KERAS_LOSS_FUNCTIONS],
                                quoted=False))
    problem = _module_problem(answer, "losses")
    if problem:
        return problem
    function = KERAS_LOSS_CLASSES.get(answer.text, answer.text)
    if answer.kind == "call" and answer.text in KERAS_LOSS_FUNCTIONS:
        return (f"That calls {answer.text} with no labels to compare, which fails. Give the "
                f"function itself, without the brackets, or its name as a string.")
    reason = _loss_reason(function, labels, answer.text)
    if reason or answer.kind == "name":
        return reason  # Keras makes an object from a class given without brackets
    keywords = dict(answer.keywords)
    if answer.args:
        return "Give the loss's settings by name, such as from_logits=False, or none at all."
    if keywords.get("from_logits", False) is not False:
        return ("from_logits=True is for a last layer without softmax, and the lesson's model "
                "ends in one. Keras 3 notices and warns (\"Was this intended?\"), then works "
                "from the values before the softmax; say what is true instead: leave "
                "from_logits out.")
    keywords.pop("from_logits", None)
    if keywords:
        return (f"The task asks for plain cross-entropy: leave out {', '.join(keywords)}, "
                "which changes what the loss measures.")
    return None


def _metric_class(answer: _Answer) -> str | tuple[str]:
    """The Keras metric class this element of the list gives, "accuracy" for the string that
    lets compile choose, or a (reason,) when Keras would not take it."""
    if answer.kind == "string":
        if answer.text.lower() in ("accuracy", "acc"):
            return "accuracy"
        if answer.text in KERAS_METRIC_STRINGS:
            return KERAS_METRIC_STRINGS[answer.text]
        return (f"Keras has no metric called {answer.text!r}."
                f"{_did_you_mean(answer.text, ['accuracy', *KERAS_METRIC_STRINGS])}",)
    if answer.kind not in ("name", "call"):
        return ("Each metric is a string, such as \"accuracy\", or an object from "
                "keras.metrics.",)
    if answer.text not in KERAS_METRIC_CLASSES and answer.text not in KERAS_METRIC_FUNCTIONS:
        if answer.kind == "name" and not answer.module:
            return (_quote_reason(answer, "metric"),)
        return (f"Keras has no metric called {answer.text}."
                + _did_you_mean(answer.text, [*KERAS_METRIC_CLASSES, *KERAS_METRIC_FUNCTIONS],
                                quoted=False),)
    problem = _module_problem(answer, "metrics")
    if problem:
        return (problem,)
    if answer.text in KERAS_METRIC_FUNCTIONS:
        if answer.kind == "call":
            return (f"That calls {answer.text} with nothing to compare, which fails. Give the "
                    "function itself, without the brackets, or its name as a string.",)
        return KERAS_METRIC_FUNCTIONS[answer.text]
    if answer.kind == "call" and (answer.args or any(
            keyword not in ("name", "k") for keyword, _ in answer.keywords)):
        return ("Fit Lab checks a metric's name alone: leave out its settings, but for name= "
                "and k=.",)
    return answer.text


def _metric_reason(metric: str, labels: str, given: str) -> str | None:
    """None when this metric measures what its name says with these labels; else why not."""
    if metric == "accuracy" or metric == RIGHT_ACCURACY[labels] or metric in FINE_BESIDE[labels]:
        return None
    if metric in ("SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy"):
        return (f"{given} reads each label as a whole number (3), but these labels are one-hot "
                "([0, 0, 0, 1, 0, …]): Keras fails on them, or compares the wrong numbers. "
                "\"accuracy\" picks the right accuracy for the labels.")
    if metric in ("CategoricalAccuracy", "TopKCategoricalAccuracy"):
        return (f"{given} reads each label as one-hot ([0, 0, 0, 1, 0, …]), but these labels "
                "are whole numbers (3): Keras fails on them, or runs and reports the "
                "wrong figure. \"accuracy\" picks the right accuracy for the labels.")
    if metric in ("Precision", "Recall", "AUC", "F1Score", "FBetaScore") and labels == "integer":
        return (f"{given} needs one-hot labels, a column per class; with whole-number labels "
                "Keras fails.")
    if metric == "BinaryAccuracy":
        return (f"{given} checks each of the ten outputs against 0.5 on its own, so a network "
                "that answers nothing scores 0.9. The task asks for the share of images "
                "classified right: \"accuracy\".")
    if metric == "Accuracy":
        return (f"{given} counts predictions exactly equal to their labels, and probabilities "
                "from a softmax almost never are: it reads about 0. The string \"accuracy\" "
                "is another thing: with it, Keras picks the accuracy for the labels.")
    if metric.endswith("Crossentropy"):
        return ("The loss already reports cross-entropy; the task asks for accuracy, the "
                "share of images classified right.")
    return (f"{given} is a metric Keras knows, but it does not measure how many images are "
            "classified right. The task asks for accuracy (beside it, only the lesson's "
            "classification metrics: top-k accuracy, and for one-hot labels precision, recall "
            "and AUC).")


def check_metrics(text: str, labels: str = "one-hot") -> str | None:
    answer = _answer(text)
    if not isinstance(answer, _Answer):
        return answer or "metrics is missing: put accuracy in a list, [\"accuracy\"]."
    if answer.kind == "dict":  # by output name; with one output, Keras measures every
        answer = _Answer("list", items=tuple(  # entry's metrics, whatever the names
            item for value in answer.items
            for item in (value.items if value.kind == "list" else (value,))))
    if answer.kind != "list":
        return ("metrics takes a list, even for a single metric: Keras refuses a lone "
                "string. Put it in square brackets: [\"accuracy\"].")
    if not answer.items:
        return "The list of metrics is empty: put accuracy in it."
    found = []
    for item in answer.items:
        metric = _metric_class(item)
        if isinstance(metric, tuple):
            return metric[0]
        given = repr(item.text) if item.kind == "string" else f"{item.module}{item.text}"
        reason = _metric_reason(metric, labels, given)
        if reason:
            return reason
        found.append(metric)
    if not any(metric in ("accuracy", RIGHT_ACCURACY[labels]) for metric in found):
        return "The task asks for accuracy in the list: \"accuracy\" is enough."
    return None


def check_compile(optimizer: str, loss: str, metrics: str,
                  labels: str = "one-hot") -> dict[str, str]:
    """{blank: what is wrong} for each blank answered wrongly, for a model ending in softmax
    over ten classes and labels of this kind (a key of LABELS); empty when all are right."""
    problems = {"optimizer": check_optimizer(optimizer), "loss": check_loss(loss, labels),
                "metrics": check_metrics(metrics, labels)}
    return {blank: problem for blank, problem in problems.items() if problem}
