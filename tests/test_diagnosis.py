import math
import re

import numpy as np
import pytest

from fitlab import diagnosis


def test_stuck_means_no_better_than_chance_in_loss_and_accuracy():
    assert diagnosis.looks_stuck(math.log(10), 0.1, 10)
    assert diagnosis.looks_stuck(2.485, 0.095, 10)  # SGD at 10 on CIFAR: above ln(10)
    assert not diagnosis.looks_stuck(2.19, 0.17, 10)  # slow but learning
    assert not diagnosis.looks_stuck(2.30, 0.40, 10)


def test_same_answer_for_every_picture_is_told_from_small_differences():
    dead = np.tile([0.1] * 10, (256, 1)) + np.random.default_rng(0).normal(0, 1e-7, (256, 10))
    alive = np.tile([0.1] * 10, (256, 1)) + np.random.default_rng(0).normal(0, 4e-3, (256, 10))
    assert diagnosis.gives_same_answer(dead)
    assert not diagnosis.gives_same_answer(alive)


def test_the_loss_of_the_batches_between_two_reports_is_recovered_from_running_means():
    losses = [2.0, 4.0, 3.0, 9.0, 1.0]
    means = [sum(losses[:n]) / n for n in range(1, 6)]
    assert diagnosis.batch_loss(1, means[0], 0, 0.0) == 2.0
    assert math.isclose(diagnosis.batch_loss(3, means[2], 2, means[1]), 3.0)  # one batch
    # Reports every few batches (steps_per_execution): the mean of the batches between.
    assert math.isclose(diagnosis.batch_loss(5, means[4], 2, means[1]), (3 + 9 + 1) / 3)


def test_explanations_name_the_learning_rate_and_a_measured_rate_to_try():
    diverged = diagnosis.explain("diverged", learning_rate=10, epoch=1, step=5,
                                 optimizer="sgd")
    assert "became NaN" in diverged and "(10) is far too high for SGD" in diverged
    assert "Try 0.1: SGD learned at that rate" in diverged
    infinite = diagnosis.explain("diverged", learning_rate=10, epoch=1, step=5,
                                 loss=float("inf"), optimizer="sgd")
    assert "became infinite" in infinite
    collapsed = diagnosis.explain("collapsed", learning_rate=0.1, epoch=2, num_classes=10,
                                  peak_loss=48.1)
    assert "48.1" in collapsed and "ln(10) = 2.30" in collapsed and "too high" in collapsed
    # Adam's measured rate is its default; a tenth of 1.0 (0.1) collapses too.
    assert "Try 0.001 (its Keras default): Adam learned" in collapsed
    # No rate is advised that is not below the one that broke
    assert diagnosis.advice("adam", 0.001) == "Try a smaller learning rate."


def test_every_advised_rate_is_one_a_claim_re_runs():
    from fitlab import claims

    runs = claims.BY_KEY["collapse-advice-works"].runs.values()
    assert {(run["optimizer"], run["learning_rate"]) for run in runs} == \
        set(diagnosis.ADVISED_RATE.items())


def test_a_loss_pinned_far_above_chance_is_divergence_not_a_collapse_to_chance():
    # A network sure of one answer for every picture: each wrong picture costs a lot (JAX
    # and PyTorch clip probabilities at 1e-7, so the loss stays finite, near 14 for 8
    # classes), where a collapsed one sits near chance level.
    assert diagnosis.far_above_chance(14.2, 8) and diagnosis.far_above_chance(8.06, 2)
    assert not diagnosis.far_above_chance(2.09, 8)  # collapsed: at chance level
    assert not diagnosis.far_above_chance(float("nan"), 8)
    diverged = diagnosis.explain("diverged", learning_rate=10, epoch=1, step=8, loss=14.2)
    assert "in epoch 1, step 8, and stayed far above chance level, at about 14.2" in diverged
    assert "NaN" not in diverged and "The learning rate (10) is far too high" in diverged
    assert "clips" not in diverged  # true of JAX and PyTorch only: not said to everyone


@pytest.mark.parametrize("loss, written", [
    (59_432.7, "59,400"), (1_234_567.0, "1,230,000"), (999.7, "1,000"), (48.1, "48.1"),
    (2.302, "2.30"), (0.91234, "0.912"), (0.0000123, "0.0000123"), (0.0, "0"),
    (float("nan"), "NaN"), (float("inf"), "infinity"),
])
def test_a_loss_is_written_with_three_figures_and_thousands_separated(loss, written):
    assert diagnosis.format_loss(loss) == written


def test_a_run_whose_loss_reached_59400_is_explained_in_plain_numbers():
    # Adam at 1.0 on Shapes: the loss leaps far above chance in the first epoch, then the
    # network sits at chance level.
    collapsed = diagnosis.explain("collapsed", learning_rate=1.0, epoch=3, num_classes=8,
                                  peak_loss=59_432.7)
    # the peak is one group of batches' loss, which only the per-batch chart shows: the
    # epoch charts' first point is the epoch's mean
    assert "Early in the first epoch the loss of a group of batches jumped to 59,400 (the " \
        "loss per batch chart marks it); after that the loss stayed near chance level, about " \
        "ln(8) = 2.08" in collapsed
    assert "The learning rate (1) is far too high for Adam" in collapsed
    assert "Every unit" not in collapsed  # said only where the units were seen dead
    dead = diagnosis.explain("collapsed", learning_rate=1.0, epoch=1, num_classes=8,
                             peak_loss=59_432.7, live_units=0.0)
    assert "Every unit of its last hidden layer now gives 0 for every picture" in dead
    assert not re.search(r"\de[+-]?\d", collapsed)  # no 5.94e+04 anywhere
    diverged = diagnosis.explain("diverged", learning_rate=3.0, epoch=1, step=40)
    assert "The learning rate (3) is far too high" in diverged


def test_a_run_that_finished_with_early_stopping_says_which_weights_it_keeps():
    assert diagnosis.explain("finished", learning_rate=0.001, epochs=25) == \
        "Finished all 25 epochs."
    kept = diagnosis.explain("finished", learning_rate=0.001, epochs=25, kept_epoch=14)
    assert "gave the model back the weights of epoch 14" in kept


def test_each_bundles_loss_is_the_one_the_run_measured_not_rounding_noise():
    from fitlab.history import bundle_losses

    # SGD at 10, seed 1 (as sent): after the first bundle the running means are float32
    # totals of about 1e24 per image, where a bundle of losses near 2 leaves no trace.
    measured = [[1, 8, 1.8e25, 0.12, 0.5, 1.8e25], [1, 16, 9.0e24, 0.12, 0.9, 4.11],
                [1, 24, 6.0e24, 0.12, 1.3, 2.5], [2, 8, 2.2, 0.12, 2.0, 2.2]]
    assert [row[3] for row in bundle_losses(measured)] == [1.8e25, 4.11, 2.5, 2.2]
    assert [row[:3] for row in bundle_losses(measured)] == [(1, 1, 8), (1, 9, 16),
                                                            (1, 17, 24), (2, 1, 8)]
    # Runs kept from before the bundle's own loss was sent: recovered from running means.
    older = [record[:5] for record in measured]
    recovered = [row[3] for row in bundle_losses(older)]
    assert math.isclose(recovered[1], (16 * 9.0e24 - 8 * 1.8e25) / 8, abs_tol=1)
