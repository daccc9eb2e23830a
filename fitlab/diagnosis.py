"""Recognising, from the numbers alone, the ways a far too high learning rate shows.

The first steps are so large that the loss explodes: under TensorFlow, Keras computes the
cross-entropy of a softmax model from its logits (backend/tensorflow/nn.py, _get_logits),
so nothing clips it, and a group of batches at SGD 10 measured about 1e25. What follows:

Collapsed: the loss falls back near chance level, about ln(number of classes), with accuracy near
1/classes, and stays there: the huge steps left every unit of the last hidden layer at 0 for every
image (ReLU; Progress.look_inside measures it), so the network gives every picture the same answer
and no gradient flows through them any more. The answer is the same, not uniform: SGD 10's
validation loss sat at 2.31 against ln 8 = 2.08.
Diverged: the loss becomes NaN or infinite, and training cannot go on; or it stays far above
chance level while the network gives one answer it is sure of (Keras' JAX and PyTorch backends
clip probabilities at 1e-7, which caps each wrong picture's loss at 16.1).
What the app advises instead is a rate measured to learn, per optimizer (ADVISED_RATE).
"""

from __future__ import annotations

import decimal
import math

from fitlab.protocol import COLLAPSED, DIVERGED, EARLY_STOPPED, FAILED, FINISHED, STOPPED  # noqa: F401 - diagnosis.X is read
from fitlab.settings import OPTIMIZERS, format_learning_rate

# A network has stopped learning when a whole epoch does no better than chance (loss no lower
# than 2 % below ln(classes), accuracy at most 1.5 times 1/classes) AND its answer no longer
# depends on the picture. The second test matters: a learning rate that is merely too low also
# sits near ln(classes) for a while, but its answers still vary from picture to picture (their
# spread was 1e-3 or more on CIFAR-10 photos, against 1e-6 for a dead network).
CHANCE_LOSS_TOLERANCE = 0.02
CHANCE_ACCURACY_FACTOR = 1.5
SAME_ANSWER_SPREAD = 1e-4
# A first-epoch batch loss this far above chance level counts as an explosion worth naming.
EXPLOSION_FACTOR = 1.5
# A network giving every picture the same answer, whose loss is still this many times chance
# level, is sure of that answer (a collapsed one sits near chance level).
FAR_ABOVE_CHANCE_FACTOR = 3.0
# The rate a collapsed or diverged run is advised to try, per optimizer: one that learned on every
# seed measured with the lesson's default data, which the "too high" scenario also trains (the claim
# collapse-advice-works in fitlab/claims.py re-runs it). A tenth of the rate that broke is no such
# rate: Adam at 0.1 and 0.01 and SGD at 1 collapse too.
ADVISED_RATE = {"adam": 0.001, "rmsprop": 0.001, "sgd": 0.1}


def format_loss(loss: float) -> str:
    """A loss in a sentence: three significant figures, thousands separated, never an
    exponent. 59,432.7 reads 59,400; 2.302 reads 2.30; 0.91234 reads 0.912."""
    if math.isnan(loss):
        return "NaN"
    if math.isinf(loss):
        return "infinity" if loss > 0 else "minus infinity"
    if loss == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(loss)))
    rounded = round(loss, 2 - magnitude)
    if rounded and math.floor(math.log10(abs(rounded))) > magnitude:  # 999.7 became 1,000
        magnitude += 1
    # Through Decimal, so that a rounded 1e+30 is written with zeros, not binary leftovers.
    return f"{decimal.Decimal(repr(rounded)):,.{max(0, 2 - magnitude)}f}"


def chance_loss(num_classes: int) -> float:
    """Cross-entropy of a network that gives every class the same probability."""
    return math.log(num_classes)


def is_finite(loss: float) -> bool:
    return math.isfinite(loss)


def batch_loss(step: int, running_mean: float, previous_step: int,
               previous_running_mean: float) -> float:
    """The mean loss of the batches after `previous_step` up to `step`, recovered from
    Keras' running means over the epoch (steps count from 1; 0 and 0.0 before the first).
    With one step between reports, that is one batch's own loss."""
    return ((step * running_mean - previous_step * previous_running_mean)
            / (step - previous_step))


def far_above_chance(loss: float, num_classes: int) -> bool:
    """A loss (finite) too high for a network that has merely collapsed to chance level."""
    return math.isfinite(loss) and loss > FAR_ABOVE_CHANCE_FACTOR * chance_loss(num_classes)


def looks_stuck(epoch_loss: float, epoch_accuracy: float, num_classes: int) -> bool:
    """An epoch no better than chance: cheap to check, so it gates the costlier test."""
    stuck = epoch_loss >= (1 - CHANCE_LOSS_TOLERANCE) * chance_loss(num_classes)
    return stuck and epoch_accuracy <= CHANCE_ACCURACY_FACTOR / num_classes


def gives_same_answer(probabilities) -> bool:
    """True when the predicted class probabilities are the same for every picture."""
    return float(probabilities.std(axis=0).max()) < SAME_ANSWER_SPREAD


def advice(optimizer: str, learning_rate: float) -> str:
    """What to try after a rate far too high: the measured rate for this optimizer."""
    advised = ADVISED_RATE.get(optimizer)
    if advised is None or learning_rate <= advised:
        return "Try a smaller learning rate."
    known = OPTIMIZERS[optimizer]
    default = " (its Keras default)" if advised == known.default_learning_rate else ""
    return (f"Try {format_learning_rate(advised)}{default}: {known.label} learned at that "
            "rate on every seed Fit Lab measured with the lesson's default data.")


def explain(outcome: str, *, learning_rate: float, epoch: int = 0, step: int = 0,
            num_classes: int = 0, peak_loss: float = 0.0, epochs: int = 0,
            best_epoch: int = 0, patience: int = 0, loss: float = math.nan,
            optimizer: str = "adam", live_units: float = math.nan,
            kept_epoch: int = 0) -> str:
    """The sentence a learner reads when a run ends. A diverged run's `loss` is NaN or
    infinite, or the finite loss it stayed at; `live_units` is the share of the last hidden
    layer's units alive when the run collapsed (NaN: not looked at); `kept_epoch` is the
    epoch whose weights early stopping gave back at the end (0: the last epoch's stay)."""
    rate = format_learning_rate(learning_rate)
    label = OPTIMIZERS[optimizer].label if optimizer in OPTIMIZERS else optimizer
    too_high = f"The learning rate ({rate}) is far too high for {label}"
    if outcome == DIVERGED and math.isfinite(loss):
        return (
            f"The loss shot up in epoch {epoch}, step {step}, and stayed far above chance "
            f"level, at about {format_loss(loss)}: the network gives every picture the same "
            "answer and is sure of it, so every picture of another class costs a great deal. "
            f"So the run stopped itself. {too_high}. {advice(optimizer, learning_rate)}"
        )
    if outcome == DIVERGED:
        became = "NaN (not a number)" if math.isnan(loss) else "infinite"
        return (
            f"The loss became {became} in epoch {epoch}, step {step}, so the run stopped "
            f"itself. {too_high}: its steps were so large that the loss could no longer be "
            f"computed as a number. {advice(optimizer, learning_rate)}"
        )
    if outcome == COLLAPSED:
        dead = (
            " Every unit of its last hidden layer now gives 0 for every picture (a ReLU "
            "gives 0 for any input below 0), so the answer no longer depends on the picture "
            "and no gradient flows back through those units to change it."
            if live_units == 0 else ""
        )
        return (
            f"The network stopped learning, so the run was stopped after epoch {epoch}."
            + (
                f" Early in the first epoch the loss of a group of batches jumped to "
                f"{format_loss(peak_loss)} (the loss per batch chart marks it); after that the"
                if peak_loss > EXPLOSION_FACTOR * chance_loss(num_classes) else " The"
            )
            + f" loss stayed near chance level, about ln({num_classes}) = "
            f"{chance_loss(num_classes):.2f}, with accuracy near 1/{num_classes}: the network "
            f"gives every picture the same answer.{dead} {too_high}: its first steps were "
            f"so large that they wrecked the weights. {advice(optimizer, learning_rate)}"
        )
    if outcome == STOPPED:
        return f"Stopped at your request in epoch {epoch}; the history so far is kept."
    if outcome == FINISHED:
        if kept_epoch:
            return (
                f"Finished all {epochs} epochs. Early stopping gave the model back the weights "
                f"of epoch {kept_epoch}, its lowest validation loss; those are the ones "
                "Evaluate scores and the saved model holds."
            )
        return f"Finished all {epochs} epochs."
    if outcome == EARLY_STOPPED:
        return (
            f"Early stopping ended the run after epoch {epoch} of {epochs}: the validation loss "
            f"had not improved for {patience} epoch{'s' if patience > 1 else ''} since its best, "
            f"in epoch {best_epoch}. The model keeps the weights of epoch {best_epoch}, and "
            "Evaluate scores those."
        )
    raise ValueError(f"No explanation for outcome {outcome!r}.")
