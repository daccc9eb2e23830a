"""Recognising, from the numbers alone, the two ways a far too high learning rate shows.

Diverged: the loss becomes NaN or infinite, and training cannot go on. That is how it shows
under TensorFlow, which computes cross-entropy from the softmax's logits. Keras' other
backends clip the probabilities at keras.config.epsilon() (1e-7) instead, so there the loss
shoots up to about ln(1e7) = 16.1 for every picture the network gets wrong and sticks there,
finite: the network gives every picture the same answer, and is certain of it.
Collapsed: the loss explodes in the first epoch, then sticks at chance level, about
ln(number of classes) with accuracy near 1/classes: the first huge steps left the ReLU units
dead for every image, so the network answers with the class frequencies and learns no more.
"""

from __future__ import annotations

import decimal
import math

from fitlab.protocol import COLLAPSED, DIVERGED, EARLY_STOPPED, FINISHED, STOPPED
from fitlab.settings import format_learning_rate
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
# level, is certain of that answer: it diverged, its loss pinned at the clipped cross-entropy's
# ceiling (about 8 for 2 classes, 14 for 8, against a chance level of 0.69 and 2.08), where
# a collapsed one sits at chance level.
FAR_ABOVE_CHANCE_FACTOR = 3.0


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


def explain(outcome: str, *, learning_rate: float, epoch: int = 0, step: int = 0,
            num_classes: int = 0, peak_loss: float = 0.0, epochs: int = 0,
            best_epoch: int = 0, patience: int = 0, loss: float = math.nan) -> str:
    """The sentence a learner reads when a run ends. A diverged run's `loss` is NaN, or the
    finite loss it stuck at (Keras' backends other than TensorFlow)."""
    rate = format_learning_rate(learning_rate)
    if outcome == DIVERGED and math.isfinite(loss):
        return (
            f"The loss shot up in epoch {epoch}, step {step}, and stuck at about "
            f"{format_loss(loss)}, near the most Keras' cross-entropy gives (it clips "
            "probabilities at 1e-7), so the run stopped itself: the network gives every "
            f"picture the same answer, and is certain of it. The learning rate ({rate}) is far "
            "too high: each step overshoots so far that the weights grow without bound. Try a "
            "learning rate 10 to 100 times smaller."
        )
    if outcome == DIVERGED:
        return (
            f"The loss became NaN (not a number) in epoch {epoch}, step {step}, so the run "
            f"stopped itself. The learning rate ({rate}) is far too high: each step "
            "overshoots so far that the weights grow without bound. Try a learning rate 10 to "
            "100 times smaller."
        )
    if outcome == COLLAPSED:
        return (
            f"The network stopped learning, so the run was stopped after epoch {epoch}."
            + (
                f" Early in the first epoch the loss of a group of batches jumped to "
                f"{format_loss(peak_loss)} (the loss per batch chart marks it); after that the"
                if peak_loss > EXPLOSION_FACTOR * chance_loss(num_classes) else " The"
            )
            + f" loss stayed at chance level, about ln({num_classes}) = "
            f"{chance_loss(num_classes):.2f}, with accuracy near 1/{num_classes}: the network "
            "gives every picture the same answer. The learning rate "
            f"({rate}) is too high: the first steps were so large that they switched "
            "off the ReLU units for every image, and no gradient flows through them any more. "
            "Try a learning rate 10 to 100 times smaller."
        )
    if outcome == STOPPED:
        return f"Stopped at your request in epoch {epoch}; the history so far is kept."
    if outcome == FINISHED:
        return f"Finished all {epochs} epochs."
    if outcome == EARLY_STOPPED:
        return (
            f"Early stopping ended the run after epoch {epoch} of {epochs}: the validation loss "
            f"had not improved for {patience} epoch{'s' if patience > 1 else ''} since its best, "
            f"in epoch {best_epoch}. The model keeps the weights of epoch {best_epoch}."
        )
    raise ValueError(f"No explanation for outcome {outcome!r}.")
