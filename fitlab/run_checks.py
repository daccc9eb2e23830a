"""The checks of the exercises that a run completes, read from the learner's own runs.

Every check reads only what a run recorded (its settings, how it ended and its epochs), so
the same check runs on a run that just ended and on a history saved in a test. A check
returns a sentence naming the run that completed the exercise, or None.
"""

from __future__ import annotations

from typing import Sequence

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
