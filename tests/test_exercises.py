"""Each exercise's check on recorded histories that complete it and that do not (the compile
challenge is tests/test_compile_challenge.py).

The histories are built from the records a run leaves (settings, its "started" event, one
record per epoch). Where a test says "measured", its numbers are those of a real run of Fit
Lab with those settings on Shapes (seed 42), rounded to three places: the checks read only
these records, so a run's own numbers are the fairest test of them."""

import pytest

from fitlab import charts, exercises, lesson, run_checks
from fitlab.history import RunHistory
from fitlab.settings import Settings


def recorded(state="finished", val_losses=(), accuracies=None, val_accuracies=None,
             num_classes=8, message="", losses=None, validation_images=1000,
             **settings) -> RunHistory:
    """A history as a run leaves it: settings, how it ended, one record per epoch."""
    count = len(val_losses)
    accuracies = accuracies or [0.5] * count
    val_accuracies = val_accuracies or [0.5] * count
    losses = losses or [1.0] * count
    history = RunHistory(Settings(**settings))
    history.apply({"type": "started", "class_names": [f"c{n}" for n in range(num_classes)],
                   "validation_images": validation_images})
    for epoch, (loss, val_loss, accuracy, val_accuracy) in enumerate(
            zip(losses, val_losses, accuracies, val_accuracies), start=1):
        history.apply({"type": "epoch", "epoch": epoch, "loss": loss, "accuracy": accuracy,
                       "val_loss": val_loss, "val_accuracy": val_accuracy})
    history.finish(state, message)
    return history


FALLING = [2.0, 1.6, 1.3, 1.1, 1.0, 0.95]

# Measured: the scenario "Learning rate too low" (Adam at 0.00001, 2,000 images, 10 epochs).
TOO_LOW = dict(
    losses=[2.086, 2.083, 2.081, 2.08, 2.078, 2.077, 2.076, 2.075, 2.074, 2.073],
    val_losses=[2.081, 2.08, 2.08, 2.08, 2.079, 2.079, 2.079, 2.079, 2.079, 2.079],
    accuracies=[0.135, 0.134, 0.136, 0.139, 0.142, 0.138, 0.139, 0.142, 0.147, 0.14],
    val_accuracies=[0.135, 0.127, 0.13, 0.14, 0.142, 0.135, 0.135, 0.14, 0.138, 0.132],
    learning_rate=0.00001, train_images=2000, epochs=10)
# Measured: the scenario "Overfitting" (Adam at 0.001, 500 images, 30 epochs).
OVERFITTING = dict(
    losses=[2.109, 2.058, 2.041, 2.006, 1.962, 1.909, 1.852, 1.781, 1.711, 1.647, 1.561,
            1.493, 1.411, 1.335, 1.249, 1.176, 1.11, 1.051, 0.998, 0.93, 0.824, 0.759, 0.712,
            0.667, 0.616, 0.562, 0.516, 0.479, 0.444, 0.408],
    val_losses=[2.088, 2.079, 2.09, 2.092, 2.095, 2.097, 2.1, 2.1, 2.094, 2.107, 2.107, 2.128,
                2.129, 2.139, 2.178, 2.209, 2.23, 2.238, 2.309, 2.269, 2.283, 2.301, 2.355,
                2.394, 2.452, 2.508, 2.532, 2.556, 2.581, 2.615],
    accuracies=[0.1, 0.175, 0.215, 0.25, 0.303, 0.298, 0.31, 0.345, 0.405, 0.438, 0.472,
                0.517, 0.543, 0.558, 0.598, 0.62, 0.647, 0.675, 0.712, 0.738, 0.765, 0.8,
                0.812, 0.845, 0.873, 0.89, 0.905, 0.91, 0.923, 0.93],
    val_accuracies=[0.13, 0.16, 0.15, 0.14, 0.21, 0.19, 0.2, 0.21, 0.23, 0.22, 0.25, 0.25,
                    0.27, 0.28, 0.3, 0.26, 0.29, 0.29, 0.29, 0.29, 0.28, 0.25, 0.27, 0.28,
                    0.26, 0.27, 0.28, 0.27, 0.27, 0.26],
    learning_rate=0.001, train_images=500, epochs=30, validation_images=100)


def test_a_diverged_or_collapsed_run_completes_diverge_and_a_healthy_one_does_not():
    assert run_checks.diverged([(1, recorded(val_losses=FALLING))]) is None
    assert run_checks.diverged(
        [(1, recorded(val_losses=FALLING)), (2, recorded("diverged", learning_rate=10.0))]) == \
        "Run #2 diverged: its loss shot up until the run stopped itself at learning rate 10."
    assert "collapsed to chance level at learning rate 1" in run_checks.diverged(
        [(3, recorded("collapsed", [2.08, 2.08], learning_rate=1.0))])


def test_a_run_says_its_loss_became_nan_only_when_it_did():
    nan = recorded("diverged", learning_rate=10.0)
    nan.apply({"type": "batches", "records": [[1, 8, 2.1, 0.1, 0.5], [1, 16, float("nan"),
                                                                        0.1, 0.9]]})
    assert run_checks.diverged([(1, nan)]) == \
        "Run #1 diverged: its loss became NaN at learning rate 10."


# Shaped as another helper measured SGD at 10 on the default data: the loss grows enormously
# but stays finite, and validation accuracy ends near chance (1/8 on Shapes); the run ends
# "finished", with no diagnosis.
BLOWN_UP = dict(losses=[3.1e7, 2.4e4, 1.8e4, 2.2e4, 2.0e4], val_losses=[9.0e3] * 5,
                accuracies=[0.12, 0.13, 0.12, 0.13, 0.12],
                val_accuracies=[0.13, 0.11, 0.12, 0.14, 0.12], optimizer="sgd",
                learning_rate=10.0, epochs=5)


def test_a_loss_grown_enormous_while_the_network_guesses_completes_diverge():
    assert run_checks.diverged([(4, recorded(**BLOWN_UP))]) == (
        "Run #4 diverged at learning rate 10: its training loss grew to 31,000,000 in epoch 1, "
        "and the network ended up guessing (validation accuracy 0.12, against 1/8 = 0.12 by "
        "chance).")
    # A loss that high but a network that still tells the pictures apart has not diverged;
    # nor has a loss near chance level with guessing (that is a rate too low, or a collapse).
    learned = {**BLOWN_UP, "val_accuracies": [0.2, 0.3, 0.4, 0.45, 0.5]}
    assert run_checks.diverged([(1, recorded(**learned))]) is None
    guessing = {**BLOWN_UP, "losses": [2.08] * 5}
    assert run_checks.diverged([(1, recorded(**guessing))]) is None


def test_no_exercise_text_says_sgd_at_10_turns_the_loss_into_nan():
    text = str([(exercise.task, exercise.hints, exercise.predict)
                for exercise in exercises.EXERCISES])
    assert "SGD at 10 turns the loss into NaN" not in text
    assert "with SGD at 10 the loss grows enormously and the network ends up guessing" in text


def test_a_run_whose_training_loss_never_left_chance_level_is_stuck():
    evidence = run_checks.stuck([(1, recorded(**TOO_LOW))])
    assert evidence == ("Run #1 (learning rate 0.00001) trained 10 epochs and its training "
                        "loss only went from 2.09 to 2.07; validation loss 2.08, next to 2.08 "
                        "for a network that only guesses.")
    # Measured on the 5,085 CIFAR-10 photos in ../shared/data (ten classes, chance
    # ln 10 = 2.30), with the same settings.
    cifar = recorded(losses=[2.309, 2.306, 2.302, 2.299, 2.296, 2.294, 2.291, 2.288, 2.286,
                             2.283],
                     val_losses=[2.306, 2.304, 2.303, 2.301, 2.299, 2.297, 2.296, 2.294,
                                 2.292, 2.291], num_classes=10, learning_rate=0.00001)
    assert "next to 2.30" in run_checks.stuck([(2, cifar)])


def test_sgd_at_its_own_default_rate_gets_stuck_and_above_it_does_not():
    """SGD's Keras default, 0.01, meets every one of the check's criteria on these curves;
    Adam at 0.01, ten times its default, is a rate too high that left a dead network."""
    evidence = run_checks.stuck([(1, recorded(**{**TOO_LOW, "optimizer": "sgd",
                                                  "learning_rate": 0.01}))])
    assert evidence.startswith("Run #1 (learning rate 0.01) trained 10 epochs")
    assert run_checks.stuck([(1, recorded(**{**TOO_LOW, "optimizer": "sgd",
                                             "learning_rate": 0.03}))]) is None
    assert run_checks.stuck([(1, recorded(**{**TOO_LOW, "learning_rate": 0.01}))]) is None


def test_the_overfitting_scenario_is_not_stuck_though_its_validation_loss_ends_above_chance():
    # Its validation loss, 2.615, is over chance level (2.08), which the old check took for
    # "stuck"; but its training loss fell from 2.11 to 0.41, and its rate is Adam's default.
    assert run_checks.stuck([(1, recorded(**OVERFITTING))]) is None
    assert run_checks.stuck([(1, recorded(**{**OVERFITTING, "learning_rate": 0.0001}))]) is None


@pytest.mark.parametrize("why, changes", [
    ("too short", dict(losses=TOO_LOW["losses"][:4], val_losses=TOO_LOW["val_losses"][:4])),
    ("broken, not stuck", dict(state="collapsed")),
    ("a loss that went through the roof", dict(val_losses=[59_432.7] * 10,
                                               losses=[80_000.0] * 10, learning_rate=3.0)),
    # A too-high rate can leave the network dead at chance level without the collapse test
    # firing: the rate, Adam's default or above, tells it from one that is too low.
    ("dead at chance level after too large a rate", dict(learning_rate=0.01)),
    ("it learned", dict(losses=FALLING, val_losses=FALLING)),
    ("training fell, validation did not", dict(losses=[2.08, 1.9, 1.7, 1.5, 1.3],
                                               val_losses=[2.08] * 5)),
    ("validation ended far above chance", dict(val_losses=[2.08] * 9 + [2.6])),
    # 1.9 is within 10 % of ln 8 = 2.08 and was stuck to the old check; a 10-class run at
    # 1.9 is well below ln 10 = 2.30 and has learned something.
    ("ten classes, well below ln 10", dict(losses=[1.95] * 5, val_losses=[1.9] * 5,
                                           num_classes=10)),
])
def test_runs_that_learned_broke_or_overshot_are_not_stuck(why, changes):
    assert run_checks.stuck([(1, recorded(**{**TOO_LOW, **changes}))]) is None, why


def test_the_best_epoch_is_the_lowest_validation_loss_once_the_curve_has_turned():
    turned = recorded(val_losses=[2.0, 1.5, 1.2, 1.3, 1.4, 1.6])  # lowest in epoch 3
    assert run_checks.turning_point(turned) == 3
    assert run_checks.turning_point(recorded(val_losses=[2.0, 1.5, 1.2, 1.3])) is None  # 1 after
    assert run_checks.turning_point(recorded(val_losses=FALLING)) is None
    runs = [(4, turned)]
    evidence, _ = run_checks.best_epoch_answer(runs, 3)
    assert evidence.startswith("Right: in run #4 the validation loss was lowest in epoch 3")
    evidence, feedback = run_checks.best_epoch_answer(runs, 6)
    assert evidence is None and "Not epoch 6" in feedback and "lowest point" in feedback
    evidence, feedback = run_checks.best_epoch_answer([(1, recorded(val_losses=FALLING))], 6)
    assert evidence is None and feedback.startswith("None of your runs without early stopping")
    # The Overfitting scenario's validation loss is lowest in epoch 2 (2.079).
    assert run_checks.best_epoch_answer([(5, recorded(**OVERFITTING))], 2)[0] is not None
    assert run_checks.best_epoch_answer([(5, recorded(**OVERFITTING))], 30)[0] is None


def test_a_validation_loss_that_wobbles_after_its_lowest_point_has_not_turned():
    # Risen for two epochs, but by 0.002 on 1.2: noise, not overfitting.
    assert run_checks.turning_point(recorded(val_losses=[2.0, 1.5, 1.2, 1.201, 1.202])) is None
    assert run_checks.best_epoch_answer([(1, recorded(val_losses=[2.0, 1.5, 1.2, 1.201, 1.202]))],
                                        3)[0] is None
    # By 5 % of its lowest it has.
    assert run_checks.turning_point(recorded(val_losses=[2.0, 1.5, 1.2, 1.22, 1.26])) == 3


def test_the_best_epoch_answer_is_judged_on_the_run_asked_about():
    earlier = recorded(val_losses=[2.0, 1.8, 1.6, 1.5, 1.4, 1.6, 1.7])  # lowest in epoch 5
    latest = recorded(val_losses=[2.0, 1.5, 1.2, 1.3, 1.4, 1.6])  # lowest in epoch 3
    runs = [(1, earlier), (2, latest), (3, recorded(val_losses=FALLING))]
    assert run_checks.best_epoch_runs(runs) == [1, 2]
    assert run_checks.best_epoch_answer(runs, 5, run=1)[0] == (
        "Right: in run #1 the validation loss was lowest in epoch 5 and rose after it.")
    evidence, feedback = run_checks.best_epoch_answer(runs, 5, run=2)
    assert evidence is None and feedback.startswith("Not epoch 5: in run #2")
    assert run_checks.best_epoch_answer(runs, 3)[0].startswith("Right: in run #2")  # latest
    evidence, feedback = run_checks.best_epoch_answer(runs, 3, run=3)
    assert evidence is None and feedback.startswith("Run #3 does not show it: its validation "
                                                    "loss has not risen")
    evidence, feedback = run_checks.best_epoch_answer(runs, 3, run=9)
    assert evidence is None and feedback == "There is no run #9 among your runs that have ended."


def test_an_early_stopped_run_which_names_its_best_epoch_does_not_count_for_best_epoch():
    message = ("Early stopping ended the run after epoch 6 of 30: the validation loss had not "
               "improved for 3 epochs since its best, in epoch 3. The model keeps the weights "
               "of epoch 3.")
    stopped = recorded("early stopped", [2.0, 1.5, 1.2, 1.3, 1.4, 1.6], message=message,
                       patience=3, epochs=30)
    evidence, feedback = run_checks.best_epoch_answer([(1, stopped)], 3)
    assert evidence is None and "with patience 0" in feedback
    assert feedback.startswith("None of your runs without early stopping shows it yet")
    # The same curve without early stopping counts.
    again = recorded(val_losses=[2.0, 1.5, 1.2, 1.3, 1.4, 1.6], epochs=6)
    assert run_checks.best_epoch_answer([(1, stopped), (2, again)], 3)[0].startswith(
        "Right: in run #2")


def marks(spec: dict) -> list[str]:
    """The kinds of mark a chart draws, its layers' layers included."""
    if "layer" in spec:
        return [kind for layer in spec["layer"] for kind in marks(layer)]
    mark = spec.get("mark")
    return [mark["type"] if isinstance(mark, dict) else mark] if mark else []


def test_the_loss_chart_drawn_for_the_open_best_epoch_exercise_does_not_give_the_answer():
    overfitting = recorded(**OVERFITTING)
    for metric in ("loss", "accuracy"):
        shown = charts.epoch_chart(overfitting, metric).to_dict()
        hidden = charts.epoch_chart(overfitting, metric, mark_best=False).to_dict()
        assert "best val loss: epoch 2" in str(shown) and "epoch 2" in shown["description"]
        assert "best val loss" not in str(hidden) and "rule" in marks(shown)
        assert "rule" not in marks(hidden)  # no dashed line at the answer either
        assert "epoch 2" not in hidden["description"]
        assert hidden["description"].startswith(  # the rest of what it says is kept
            f"{charts.NAMES[metric]} after epoch 30 of 30: training")


def fast_run(val_accuracies, **changes):
    return recorded(**{"val_losses": FALLING[:len(val_accuracies)],
                       "val_accuracies": val_accuracies, **changes})


def test_fast_counts_only_the_first_five_epochs_and_known_data_sets():
    slow = fast_run([0.2, 0.3, 0.4, 0.45, 0.48, 0.6])
    assert run_checks.fast([(1, slow)]) is None  # 0.6 came in epoch 6
    # Measured: the lesson's defaults with a learning rate of 0.003, its first 5 epochs.
    quick = fast_run([0.217, 0.383, 0.457, 0.525, 0.588], learning_rate=0.003)
    assert "Run #2 reached validation accuracy 0.525 in epoch 4, past the 0.5" in \
        run_checks.fast([(2, quick)])
    mnist = fast_run([0.9, 0.95, 0.96, 0.96, 0.96], dataset="mnist", num_classes=10)
    assert run_checks.fast([(1, mnist)]) is None  # MNIST asks for 0.97
    own = fast_run([0.99] * 5, dataset="/x/mine.npz")
    assert run_checks.fast([(1, own)]) is None  # no target for a data set of your own


def test_fast_does_not_count_a_run_on_fewer_classes_or_too_few_validation_images():
    # Two classes of Shapes: guessing alone is right half the time.
    two = fast_run([0.62, 0.7, 0.75, 0.8, 0.82], num_classes=2, classes=("circle", "ring"))
    assert run_checks.fast([(1, two)]) is None
    five = fast_run([0.5, 0.55, 0.6, 0.62, 0.64], dataset="cifar10", num_classes=5,
                    classes=("airplane", "bird", "cat", "dog", "truck"))
    assert run_checks.fast([(1, five)]) is None
    # 50 images hold out 10 for validation: 5 lucky answers make 0.5.
    lucky = fast_run([0.3, 0.5, 0.4, 0.3, 0.4], train_images=50, validation_images=10)
    assert run_checks.fast([(1, lucky)]) is None
    ten_cifar = fast_run([0.36, 0.42, 0.45, 0.46, 0.47], dataset="cifar10", num_classes=10)
    assert "in epoch 3, past the 0.45" in run_checks.fast([(1, ten_cifar)])


# Measured: the dropout model on 500 images for 30 epochs (the scenarios "Dropout switched
# off" and "Dropout helps"), training and validation accuracy per epoch.
DROPOUT_OFF = dict(
    accuracies=[0.112, 0.155, 0.18, 0.192, 0.248, 0.3, 0.34, 0.355, 0.425, 0.488, 0.458,
                0.505, 0.57, 0.603, 0.613, 0.635, 0.642, 0.692, 0.757, 0.81, 0.845, 0.845,
                0.87, 0.913, 0.935, 0.952, 0.96, 0.94, 0.965, 0.935],
    val_accuracies=[0.14, 0.12, 0.14, 0.11, 0.18, 0.25, 0.25, 0.27, 0.24, 0.27, 0.25, 0.25,
                    0.32, 0.29, 0.31, 0.27, 0.31, 0.29, 0.31, 0.28, 0.32, 0.3, 0.3, 0.34, 0.36,
                    0.3, 0.32, 0.33, 0.28, 0.24],
    model="dropout", dropout_rate=0.0)
DROPOUT_HALF = dict(
    accuracies=[0.115, 0.138, 0.192, 0.188, 0.218, 0.215, 0.25, 0.28, 0.305, 0.363, 0.36,
                0.405, 0.452, 0.498, 0.49, 0.502, 0.545, 0.567, 0.582, 0.587, 0.613, 0.665,
                0.678, 0.717, 0.745, 0.74, 0.752, 0.75, 0.767, 0.777],
    val_accuracies=[0.15, 0.12, 0.13, 0.14, 0.16, 0.13, 0.18, 0.21, 0.22, 0.24, 0.28, 0.25,
                    0.3, 0.27, 0.27, 0.31, 0.32, 0.3, 0.34, 0.29, 0.37, 0.36, 0.28, 0.36, 0.34,
                    0.37, 0.39, 0.3, 0.32, 0.34],
    model="dropout", dropout_rate=0.5)


def dropout_run(values, epochs=30, **changes):
    """One of the measured runs above, cut to its first `epochs` epochs."""
    values = {"train_images": 500, "epochs": 30, "validation_images": 100, **values, **changes}
    return recorded(val_losses=[2.0] * epochs, accuracies=values.pop("accuracies")[:epochs],
                    val_accuracies=values.pop("val_accuracies")[:epochs], **values)


def test_dropout_narrows_the_gap_of_the_same_model_at_rate_0():
    off, half = dropout_run(DROPOUT_OFF), dropout_run(DROPOUT_HALF)
    assert run_checks.dropout_narrows_the_gap([(1, off), (2, half)]) == (
        "After epoch 30, run #2 (dropout rate 0.5) had a gap of 0.44 between training and "
        "validation accuracy; run #1, the same model with dropout switched off, 0.70. "
        "Validation accuracy held: 0.32 against 0.28 over the last 3 epochs.")
    # Either order, and another seed or a patience for one of them, still compare.
    assert run_checks.dropout_narrows_the_gap([(1, half), (2, off)]) is not None
    assert run_checks.dropout_narrows_the_gap(
        [(1, dropout_run(DROPOUT_OFF, seed=7)), (2, dropout_run(DROPOUT_HALF, patience=5))])


def test_a_dropout_rate_so_high_that_the_network_underfits_does_not_narrow_the_gap():
    """At 0.9 the network hardly learns (training accuracy 0.28 after 30 epochs, measured):
    its gap (0.05) is narrow because it learns less, and its validation accuracy fell; the
    prediction "lower, while its validation accuracy holds or rises" would be false."""
    off = dropout_run(DROPOUT_OFF)
    ninety = recorded(val_losses=[2.0] * 30, accuracies=[0.2] * 29 + [0.282],
                      val_accuracies=[0.15] * 29 + [0.23], model="dropout", dropout_rate=0.9,
                      train_images=500, epochs=30, validation_images=100)
    assert run_checks.dropout_narrows_the_gap([(1, off), (2, ninety)]) is None
    # The same narrow gap with validation accuracy held counts.
    held = recorded(val_losses=[2.0] * 30, accuracies=[0.2] * 27 + [0.5, 0.5, 0.5],
                    val_accuracies=[0.15] * 27 + [0.3, 0.3, 0.3], model="dropout",
                    dropout_rate=0.9, train_images=500, epochs=30, validation_images=100)
    assert run_checks.dropout_narrows_the_gap([(1, off), (2, held)]) is not None


def test_dropout_narrows_the_gap_is_not_fooled_by_another_model_or_a_shorter_run():
    off, half = dropout_run(DROPOUT_OFF), dropout_run(DROPOUT_HALF)
    # Measured: the first model (Overfitting scenario): gap 0.93 - 0.26 = 0.67 after 30
    # epochs. A smaller network, not the dropout model at rate 0: not a comparison of dropout.
    first_model = recorded(**{**OVERFITTING, "validation_images": 100})
    assert run_checks.dropout_narrows_the_gap([(1, first_model), (2, half)]) is None
    # Dropout alone, or two runs that both use it.
    assert run_checks.dropout_narrows_the_gap([(2, half)]) is None
    assert run_checks.dropout_narrows_the_gap(
        [(1, dropout_run(DROPOUT_HALF, dropout_rate=0.2)), (2, half)]) is None
    # Other images, another learning rate: not the same run but for dropout.
    assert run_checks.dropout_narrows_the_gap(
        [(1, dropout_run(DROPOUT_OFF, train_images=2000)), (2, half)]) is None
    assert run_checks.dropout_narrows_the_gap(
        [(1, dropout_run(DROPOUT_OFF, learning_rate=0.003)), (2, half)]) is None
    # A dropout run of 10 epochs has a smaller gap than 30 epochs without: compared at
    # epoch 10, the gaps are 0.12 and 0.22, too close to count.
    assert run_checks.dropout_narrows_the_gap([(1, off), (2, dropout_run(DROPOUT_HALF, 10))]) \
        is None
    # Before the network overfits there is no gap to narrow: after 8 epochs rate 0 has 0.09.
    assert run_checks.dropout_narrows_the_gap(
        [(1, dropout_run(DROPOUT_OFF, 8)), (2, dropout_run(DROPOUT_HALF, 8))]) is None
    # Too few epochs, or a run that did not end well.
    assert run_checks.dropout_narrows_the_gap(
        [(1, dropout_run(DROPOUT_OFF, 4)), (2, dropout_run(DROPOUT_HALF, 4))]) is None
    stopped = dropout_run(DROPOUT_HALF)
    stopped.state = "stopped"
    assert run_checks.dropout_narrows_the_gap([(1, off), (2, stopped)]) is None
    # Rate 0.2 narrows it by only 0.09 (0.61 against 0.70, measured): within the noise of
    # 100 validation images.
    point_two = recorded(val_losses=[2.0] * 30, accuracies=[0.5] * 29 + [0.933],
                         val_accuracies=[0.3] * 29 + [0.32], model="dropout", dropout_rate=0.2,
                         train_images=500, epochs=30)
    assert run_checks.dropout_narrows_the_gap([(1, off), (2, point_two)]) is None


def test_early_stop_needs_a_run_that_early_stopping_ended():
    message = "Early stopping ended the run after epoch 9 of 30."
    assert run_checks.early_stopped([(1, recorded(val_losses=FALLING))]) is None
    assert run_checks.early_stopped([(5, recorded("early stopped", FALLING, message=message))]) \
        == f"Run #5: {message}"


def test_runs_still_training_and_exercises_already_done_are_left_out():
    training = recorded("diverged")
    training.state = "running"
    assert exercises.newly_done([(1, training)], set()) == {}
    diverged = [(1, recorded("diverged"))]
    assert set(exercises.newly_done(diverged, set())) == {"diverge"}
    assert exercises.newly_done(diverged, {"diverge"}) == {}


@pytest.mark.parametrize("exercise", exercises.EXERCISES, ids=lambda exercise: exercise.key)
def test_every_exercise_appears_in_its_lesson_section_and_nowhere_else(exercise):
    places = [section.slug for section in lesson.sections() for part in section.parts
              if isinstance(part, lesson.ExercisePlace) and part.key == exercise.key]
    assert places == [exercise.section]


def test_the_exercises_come_in_the_lessons_order():
    sections = [exercise.section for exercise in exercises.EXERCISES]
    assert sections == sorted(sections)



# -- batch size 8 against 256 ----------------------------------------------------------------

def measured_batch_runs() -> dict:
    """Measured: the lesson's defaults for 5 epochs at batch sizes 8 and 256, seeds 42 and 1,
    as Fit Lab recorded them (epochs and Keras' per-batch reports), keyed (batch size, seed)."""
    import json
    import pathlib

    records = json.loads((pathlib.Path(__file__).parent / "batch_size_runs.json").read_text())
    runs = {}
    for record in records:
        history = RunHistory.from_record(record)
        runs[history.settings.batch_size, history.settings.seed] = history
    return runs


BATCH_ANSWERS = {"faster": "256", "jumpier": "8", "accurate": "8"}


def test_batch_size_8_against_256_ticks_for_answers_read_from_the_runs():
    runs = measured_batch_runs()
    pair = [(1, runs[8, 42]), (2, runs[256, 42])]
    evidence, feedback = run_checks.batch_size_answer(pair, BATCH_ANSWERS)
    assert evidence == ("Right. After epoch 5, run #1 (batch size 8) against run #2 (256): "
                        "1.6 s against 0.3 s an epoch; the per-batch loss moved 0.072 against "
                        "0.026 from one point to the next; validation accuracy 0.61 against "
                        "0.23.") and feedback == ""
    # Either order, another seed for one of them, more epochs for one: compared at epoch 5.
    assert run_checks.batch_size_answer([(1, runs[256, 1]), (2, runs[8, 42])], BATCH_ANSWERS)[0]


@pytest.mark.parametrize("question", list(run_checks.BATCH_QUESTIONS))
def test_batch_size_a_wrong_reading_of_the_runs_does_not_tick(question):
    runs = measured_batch_runs()
    answers = {**BATCH_ANSWERS, question: "8" if BATCH_ANSWERS[question] == "256" else "256"}
    evidence, feedback = run_checks.batch_size_answer([(1, runs[8, 1]), (2, runs[256, 1])],
                                                     answers)
    assert evidence is None and run_checks.BATCH_QUESTIONS[question] in feedback
    evidence, feedback = run_checks.batch_size_answer(
        [(1, runs[8, 1]), (2, runs[256, 1])], {**BATCH_ANSWERS, question: None})
    assert evidence is None and feedback == "Answer all three questions from your two runs."


def test_batch_size_needs_two_runs_alike_but_for_8_and_256():
    runs = measured_batch_runs()
    eight, big = runs[8, 42], runs[256, 42]

    def with_settings(history, **changes):
        record = history.to_record()
        record["settings"] = {**record["settings"], **changes}
        return RunHistory.from_record(record)

    def refused(*histories):
        evidence, feedback = run_checks.batch_size_answer(list(enumerate(histories, 1)),
                                                         BATCH_ANSWERS)
        return evidence is None and feedback.startswith("Train two runs first")

    assert refused(eight)  # one run alone
    assert refused(eight, with_settings(big, batch_size=32))  # 8 against 32
    assert refused(eight, with_settings(big, learning_rate=0.003))  # two things changed
    assert refused(eight, with_settings(big, train_images=2000))
    stopped = with_settings(big)
    stopped.state = "stopped"
    assert refused(eight, stopped)  # Stop pressed: not a whole run
    short = with_settings(big)
    short.epochs = short.epochs[:2]
    assert refused(eight, short)  # two epochs: too few to compare


def test_batch_size_figures_too_close_to_call_accept_either_answer():
    runs = measured_batch_runs()
    record = runs[256, 42].to_record()
    record["epochs"][-1]["val_accuracy"] = record["epochs"][-1]["val_accuracy"] * 0 + \
        runs[8, 42].epochs[-1]["val_accuracy"] - 0.01
    close = RunHistory.from_record(record)
    for answer in ("8", "256"):
        evidence, _ = run_checks.batch_size_answer([(1, runs[8, 42]), (2, close)],
                                                  {**BATCH_ANSWERS, "accurate": answer})
        assert "Too close to call, so either answer counted: Which run ended with the higher" \
            in evidence


def test_each_prediction_has_its_answer_among_its_choices():
    predicted = [exercise for exercise in exercises.EXERCISES if exercise.predict]
    assert [exercise.key for exercise in predicted] == ["diverge", "batch_size", "dropout_gap"]
    for exercise in predicted:
        assert 0 <= exercise.predict.right < len(exercise.predict.choices)
