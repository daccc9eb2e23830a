"""The checks of the exercises that a run completes, read from the learner's own runs.

Every check reads only what a run recorded (its settings, how it ended and its epochs), so
the same check runs on a run that just ended and on a history saved in a test. A check
returns a sentence naming the run that completed the exercise, or None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fitlab import data, diagnosis
from fitlab.datasets import BUILT_IN
from fitlab.history import RunHistory, bundle_losses
from fitlab.models import MODELS
from fitlab.settings import OPTIMIZERS, format_learning_rate

# A run as the checks see it: the number the runs table shows, and its history.
Run = tuple[int, RunHistory]

FAST_EPOCHS = 5
# Validation accuracy to reach within FAST_EPOCHS, per built-in data set with all of its
# classes: each data set's `fast_target` in fitlab.datasets, which says how it was chosen.
# Fewer classes are easier to guess (one time in two with two classes), so a run on some of
# the classes does not count...
FAST_TARGETS = {name: dataset.fast_target for name, dataset in BUILT_IN.items()}
# ... nor one validated on so few images that luck decides: on 10 images, an accuracy of 0.5
# is 5 right answers; on 200, its standard error is about 0.035.
FAST_MIN_VALIDATION = 200
# How far validation loss must climb after its best epoch, and for how many epochs, before
# "it stopped improving" is a fair reading of the curve rather than noise: at least
# TURN_EPOCHS_AFTER epochs after the lowest, the last of them TURN_RISE (a share of the
# lowest) above it. The Overfitting scenario's climbs from 2.079 to 2.615 (26 %); a flat
# curve that wobbles by 0.001 after its lowest point has not turned.
TURN_EPOCHS_AFTER, TURN_RISE = 2, 0.05
# A run is "stuck" when, over at least STUCK_EPOCHS epochs, its training loss fell by no more
# than STUCK_MOVED of chance level (the loss of a network that gives every class the same
# probability) from its first epoch to its last, and every epoch's training loss and the last
# validation loss lie within STUCK_BAND of chance level, above or below. Measured on Shapes
# (2,000 images, 10 epochs): Adam at 0.00001 goes from 2.086 to 2.073, validation 2.079,
# against ln 8 = 2.079; Adam at 0.001 on 500 images for 30 epochs (the Overfitting scenario)
# falls to 0.408 while its validation loss climbs to 2.615: not stuck. The learning rate must
# be no higher than the optimizer's Keras default: an SGD run at its default, 0.01, met every
# criterion above (issue 22), while a network left dead at chance level by too high a rate
# (Adam at 0.01) also sits near ln(classes) and is not stuck.
STUCK_EPOCHS, STUCK_MOVED, STUCK_BAND = 5, 0.05, 0.05
# Dropout has narrowed the gap when the dropout model's run at a rate above 0 ends with a gap
# between training and validation accuracy at least GAP_MARGIN smaller than the same model's
# run at rate 0, whose gap must be at least GAP_SHOWN: without a gap there is nothing to narrow.
# And the gap must narrow because the network overfits less, not because it learns less: the
# dropout run's validation accuracy, averaged over the last HELD_EPOCHS epochs compared, may be
# at most HELD_MARGIN below the rate-0 run's. Measured (500 Shapes pictures, 30 epochs): rate
# 0.5 ends at 0.32 against 0.28 at rate 0; rate 0.9 underfits (training accuracy 0.28) and
# its narrow gap comes with validation accuracy 0.18 over those epochs. The standard error of
# one epoch's accuracy on 100 validation images is about 0.046.
GAP_MARGIN, GAP_SHOWN = 0.1, 0.2
HELD_EPOCHS, HELD_MARGIN = 3, 0.05
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


def _became_nan(history: RunHistory) -> bool:
    losses = [epoch.get("loss") for epoch in history.epochs] + \
        [record[2] for record in history.batches if len(record) > 2]
    return any(isinstance(loss, float) and not math.isfinite(loss) for loss in losses)


def _blew_up(history: RunHistory) -> dict | None:
    """The epoch of a run that ended without a diagnosis but whose training loss grew far
    above chance level, when its last validation accuracy is no better than guessing: SGD at
    10 on Shapes does this, its loss huge but finite, rather than turn into NaN."""
    epochs = _finished_epochs(history)
    classes = _num_classes(history)
    worst = max(epochs, key=lambda epoch: epoch["loss"], default=None)
    if worst is None or not diagnosis.far_above_chance(worst["loss"], classes) or \
            epochs[-1]["val_accuracy"] > diagnosis.CHANCE_ACCURACY_FACTOR / classes:
        return None
    return worst


def diverged(runs: Sequence[Run]) -> str | None:
    """A run whose loss became NaN, shot up and stuck, grew enormously while the network ended
    up guessing, or exploded and collapsed to chance level."""
    for number, history in runs:
        rate = format_learning_rate(history.settings.learning_rate)
        if history.state == diagnosis.DIVERGED:
            how = "its loss became NaN" if _became_nan(history) else \
                "its loss shot up until the run stopped itself"
            return f"Run #{number} diverged: {how} at learning rate {rate}."
        if history.state == diagnosis.COLLAPSED:
            return (f"Run #{number} exploded and collapsed to chance level at learning rate "
                    f"{rate}.")
        worst = _blew_up(history) if history.state in (
            diagnosis.FINISHED, diagnosis.EARLY_STOPPED) else None
        if worst:
            classes = _num_classes(history)
            return (f"Run #{number} diverged at learning rate {rate}: its training loss grew to "
                    f"{diagnosis.format_loss(worst['loss'])} in epoch {worst['epoch']}, and the "
                    "network ended up guessing (validation accuracy "
                    f"{_finished_epochs(history)[-1]['val_accuracy']:.2f}, against "
                    f"1/{classes} = {1 / classes:.2f} by chance).")
    return None


def stuck(runs: Sequence[Run]) -> str | None:
    """A run with a learning rate no higher than its optimizer's default whose training loss hardly
    moved from where it started, near chance level, and whose validation loss ended there
    too: not one that learned, nor one that broke (a collapse, an explosion, a NaN)."""
    for number, history in runs:
        epochs = _finished_epochs(history)
        settings = history.settings
        if history.state != diagnosis.FINISHED or len(epochs) < STUCK_EPOCHS or \
                settings.learning_rate > OPTIMIZERS[settings.optimizer].default_learning_rate:
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
    TURN_EPOCHS_AFTER epochs and ended at least TURN_RISE above it; None when the curve has
    not turned."""
    epochs = _finished_epochs(history)
    if len(epochs) < TURN_EPOCHS_AFTER + 2:
        return None
    best = min(epochs, key=lambda epoch: epoch["val_loss"])
    later = [epoch for epoch in epochs if epoch["epoch"] > best["epoch"]]
    risen = later and later[-1]["val_loss"] >= (1 + TURN_RISE) * best["val_loss"]
    return best["epoch"] if len(later) >= TURN_EPOCHS_AFTER and risen else None


def best_epoch_runs(runs: Sequence[Run]) -> list[int]:
    """The numbers of the runs the best-epoch exercise can ask about: ended, without early
    stopping (an early-stopped run's message names its best epoch, so typing it in shows
    nothing), their validation loss turned."""
    return [number for number, history in runs
            if not history.settings.patience and turning_point(history)]


def best_epoch_answer(runs: Sequence[Run], answer: int | None,
                      run: int | None = None) -> tuple[str | None, str]:
    """(evidence when the answer is right, else None; a sentence to show the learner), for
    the run numbered `run`, or the latest that shows a turn when none is named."""
    shown = best_epoch_runs(runs)
    by_number = dict(runs)
    if run is None and shown:
        run = shown[-1]
    if run is None:
        return None, ("None of your runs without early stopping shows it yet: train with "
                      "patience 0 until the validation loss has risen for "
                      f"{TURN_EPOCHS_AFTER} epochs after its lowest point, and by "
                      f"{TURN_RISE:.0%} of it.")
    if run not in by_number:
        return None, f"There is no run #{run} among your runs that have ended."
    history = by_number[run]
    if run not in shown:
        why = ("it used early stopping, whose message names its best epoch: train one with "
               "patience 0" if history.settings.patience else
               f"its validation loss has not risen for {TURN_EPOCHS_AFTER} epochs after its "
               f"lowest point, and by {TURN_RISE:.0%} of it")
        return None, f"Run #{run} does not show it: {why}."
    best = turning_point(history)
    if answer == best:
        return (f"Right: in run #{run} the validation loss was lowest in epoch {best} and "
                "rose after it."), ""
    if answer is None:
        return None, (f"Run #{run} shows it. Which epoch is it? Type a whole number "
                      f"from 1 to {len(history.epochs)}, its epochs.")
    return None, (f"Not epoch {answer}: in run #{run} another epoch has a lower validation "
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


def _mean_val_accuracy(history: RunHistory, last: int) -> float:
    """Validation accuracy over the HELD_EPOCHS epochs up to epoch `last`: one epoch's figure
    on a few hundred images moves by several hundredths from luck alone."""
    epochs = _finished_epochs(history)[max(0, last - HELD_EPOCHS):last]
    return sum(epoch["val_accuracy"] for epoch in epochs) / len(epochs)


# Settings that may differ between the two runs of the dropout exercise: the rate itself, and
# what only decides how long or from which random start a run trains.
_FREE_FOR_DROPOUT = ("dropout_rate", "epochs", "patience", "seed")


def dropout_narrows_the_gap(runs: Sequence[Run]) -> str | None:
    """Two runs of the dropout model, the same in all but the rate (and the number of epochs,
    the patience and the seed): one at rate 0, whose gap between training and validation accuracy is
    at least GAP_SHOWN, one at a higher rate whose gap is at least GAP_MARGIN smaller while its
    validation accuracy held (HELD_MARGIN): a rate so high that the network underfits narrows the
    gap by learning less, which is not what dropout is for. The gaps are compared at the last epoch
    both reached, each after at least FAST_EPOCHS epochs, so that a shorter run's smaller gap does
    not count."""
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
            held = _mean_val_accuracy(history, common) >= \
                _mean_val_accuracy(other, common) - HELD_MARGIN
            if other_gap >= GAP_SHOWN and gap <= other_gap - GAP_MARGIN and held:
                rate = format_learning_rate(history.settings.dropout_rate)
                return (f"After epoch {common}, run #{number} (dropout rate {rate}) had a gap "
                        f"of {gap:.2f} between training and validation accuracy; run "
                        f"#{other_number}, the same model with dropout switched off, "
                        f"{other_gap:.2f}. Validation accuracy held: "
                        f"{_mean_val_accuracy(history, common):.2f} against "
                        f"{_mean_val_accuracy(other, common):.2f} over the last "
                        f"{HELD_EPOCHS} epochs.")
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
    point for each bundle of batches Keras reported on, its own measured loss."""
    losses = [loss for *_, loss in bundle_losses(history.batches)]
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
