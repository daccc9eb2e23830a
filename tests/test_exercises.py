"""Each exercise's check on recorded histories that complete it and that do not, and the
compile challenge's answers, right and wrong, with the reason given for each wrong one."""

import pytest

from fitlab import exercises, lesson
from fitlab.history import RunHistory
from fitlab.settings import Settings


def recorded(state="finished", val_losses=(), accuracies=None, val_accuracies=None,
             classes=8, message="", **settings) -> RunHistory:
    """A history as a run leaves it: settings, how it ended, one record per epoch."""
    count = len(val_losses)
    accuracies = accuracies or [0.5] * count
    val_accuracies = val_accuracies or [0.5] * count
    history = RunHistory(Settings(**settings), info={"class_names": [f"c{n}"
                                                                   for n in range(classes)]})
    for epoch, (val_loss, accuracy, val_accuracy) in enumerate(
            zip(val_losses, accuracies, val_accuracies), start=1):
        history.epochs.append({"epoch": epoch, "loss": 1.0, "accuracy": accuracy,
                               "val_loss": val_loss, "val_accuracy": val_accuracy})
    history.finish(state, message)
    return history


FALLING = [2.0, 1.6, 1.3, 1.1, 1.0, 0.95]


def test_a_diverged_or_collapsed_run_completes_diverge_and_a_healthy_one_does_not():
    assert exercises.diverged([(1, recorded(val_losses=FALLING))]) is None
    assert "Run #2 diverged" in exercises.diverged(
        [(1, recorded(val_losses=FALLING)), (2, recorded("diverged", learning_rate=10.0))])
    assert "collapsed to chance level at learning rate 1" in exercises.diverged(
        [(3, recorded("collapsed", [2.08, 2.08], learning_rate=1.0))])


def test_stuck_needs_five_epochs_near_chance_level_and_not_a_collapse():
    near_chance = [2.079, 2.078, 2.077, 2.076, 2.075]  # ln 8 = 2.079
    assert "Run #1 (learning rate 0.00001) ended 5 epochs with validation loss 2.08" in \
        exercises.stuck([(1, recorded(val_losses=near_chance, learning_rate=0.00001))])
    # A loss that went through the roof is written out in full, not as 5.94e+04.
    assert "Run #2 (learning rate 3) ended 5 epochs with validation loss 59,400, next to 2.08" \
        in exercises.stuck([(2, recorded(val_losses=[59_432.7] * 5, learning_rate=3.0))])
    assert exercises.stuck([(1, recorded(val_losses=near_chance[:4]))]) is None  # too short
    assert exercises.stuck([(1, recorded(val_losses=FALLING))]) is None  # it learned
    assert exercises.stuck([(1, recorded("collapsed", near_chance))]) is None  # broken, not stuck
    # Chance level follows the number of classes: 1.9 is within 10 % of ln 8 = 2.08, but a
    # 10-class run at 1.9 is well below ln 10 = 2.30 and has learned something.
    assert exercises.stuck([(1, recorded(val_losses=[1.9] * 5, classes=10))]) is None
    assert exercises.stuck([(1, recorded(val_losses=[1.9] * 5, classes=8))]) is not None


def test_the_best_epoch_is_the_lowest_validation_loss_once_the_curve_has_turned():
    turned = recorded(val_losses=[2.0, 1.5, 1.2, 1.3, 1.4, 1.6])  # lowest in epoch 3
    assert exercises.turning_point(turned) == 3
    assert exercises.turning_point(recorded(val_losses=[2.0, 1.5, 1.2, 1.3])) is None  # 1 after
    assert exercises.turning_point(recorded(val_losses=FALLING)) is None
    runs = [(4, turned)]
    evidence, _ = exercises.best_epoch_answer(runs, 3)
    assert evidence.startswith("Right: in run #4 the validation loss was lowest in epoch 3")
    evidence, feedback = exercises.best_epoch_answer(runs, 6)
    assert evidence is None and "Not epoch 6" in feedback and "lowest point" in feedback
    evidence, feedback = exercises.best_epoch_answer([(1, recorded(val_losses=FALLING))], 6)
    assert evidence is None and feedback.startswith("None of your runs shows it yet")


def test_fast_counts_only_the_first_five_epochs_and_known_data_sets():
    slow = recorded(val_losses=FALLING, val_accuracies=[0.2, 0.3, 0.4, 0.45, 0.48, 0.6])
    assert exercises.fast([(1, slow)]) is None  # 0.6 came in epoch 6
    quick = recorded(val_losses=FALLING[:5], val_accuracies=[0.2, 0.4, 0.52, 0.55, 0.56])
    assert "Run #2 reached validation accuracy 0.520 in epoch 3, past the 0.5" in \
        exercises.fast([(2, quick)])
    mnist = recorded(val_losses=FALLING[:5], val_accuracies=[0.9, 0.95, 0.96, 0.96, 0.96],
                     dataset="mnist")
    assert exercises.fast([(1, mnist)]) is None  # MNIST asks for 0.97
    own = recorded(val_losses=FALLING[:5], val_accuracies=[0.99] * 5, dataset="/x/mine.npz")
    assert exercises.fast([(1, own)]) is None  # no target for a data set of your own


def overfit(model="intro", rate=0.5, train_images=500, final_gap=0.6):
    return recorded(val_losses=[2.0, 1.8, 1.9, 2.1, 2.3], accuracies=[0.5, 0.7, 0.8, 0.9, 0.95],
                    val_accuracies=[0.3, 0.32, 0.33, 0.34, 0.95 - final_gap], model=model,
                    dropout_rate=rate, train_images=train_images, epochs=5)


def test_dropout_narrows_the_gap_needs_a_matching_run_without_dropout():
    without, with_dropout = overfit(final_gap=0.6), overfit("dropout", final_gap=0.4)
    assert "Run #2 with dropout ended with a gap of 0.40" in \
        exercises.dropout_narrows_the_gap([(1, without), (2, with_dropout)])
    assert "run #1, on the same images without dropout, 0.60" in \
        exercises.dropout_narrows_the_gap([(1, without), (2, with_dropout)])
    # Not done: dropout alone; a wider gap; other images; a rate of 0; too few epochs.
    assert exercises.dropout_narrows_the_gap([(2, with_dropout)]) is None
    assert exercises.dropout_narrows_the_gap(
        [(1, without), (2, overfit("dropout", final_gap=0.65))]) is None
    assert exercises.dropout_narrows_the_gap(
        [(1, overfit(train_images=2000)), (2, with_dropout)]) is None
    assert exercises.dropout_narrows_the_gap(
        [(1, without), (2, overfit("dropout", rate=0.0, final_gap=0.4))]) is None
    short = recorded(val_losses=[2.0, 1.9], model="dropout", epochs=2, train_images=500)
    assert exercises.dropout_narrows_the_gap([(1, without), (2, short)]) is None


def test_early_stop_needs_a_run_that_early_stopping_ended():
    message = "Early stopping ended the run after epoch 9 of 30."
    assert exercises.early_stopped([(1, recorded(val_losses=FALLING))]) is None
    assert exercises.early_stopped([(5, recorded("early stopped", FALLING, message=message))]) \
        == f"Run #5: {message}"


def test_runs_still_training_and_exercises_already_done_are_left_out():
    training = recorded("diverged")
    training.state = "running"
    assert exercises.newly_done([(1, training)], set()) == {}
    diverged = [(1, recorded("diverged"))]
    assert set(exercises.newly_done(diverged, set())) == {"diverge"}
    assert exercises.newly_done(diverged, {"diverge"}) == {}


def test_progress_marks_read_from_the_url_keep_only_real_exercises():
    assert exercises.read_marks("diverge, fast,,nonsense") == {"diverge", "fast"}
    assert exercises.write_marks({"fast", "compile"}) == "compile,fast"  # the lesson's order


def test_every_exercise_appears_in_its_lesson_section_and_nowhere_else():
    places = {part.key: section.slug for section in lesson.sections()
              for part in section.parts if isinstance(part, lesson.ExercisePlace)}
    assert places == {exercise.key: exercise.section for exercise in exercises.EXERCISES}


@pytest.mark.parametrize("optimizer, loss, metrics", [
    ("keras.optimizers.Adam()", "keras.losses.CategoricalCrossentropy()", '["accuracy"]'),
    ('"adam"', "'categorical_crossentropy'", '"accuracy"'),
    ("Adam(learning_rate=0.001)", "categorical_crossentropy", "['categorical_accuracy']"),
    ("tf.keras.optimizers.Adam(learning_rate=1e-3)", "CategoricalCrossentropy()",
     "[keras.metrics.CategoricalAccuracy(), 'top_k_categorical_accuracy']"),
])
def test_right_answers_to_the_compile_challenge_in_any_spelling(optimizer, loss, metrics):
    assert exercises.check_compile(optimizer, loss, metrics) == {}


@pytest.mark.parametrize("blank, answer, words", [
    ("optimizer", "keras.optimizers.SGD()", "the task asks for Adam"),
    ("optimizer", "Adam(learning_rate=0.1)", "Adam with its defaults"),
    ("optimizer", "gradient", "no optimizer called 'gradient'"),
    ("optimizer", "", "optimizer is missing"),
    ("loss", "sparse_categorical_crossentropy", "expects whole-number labels"),
    ("loss", "mse", "regression loss"),
    ("loss", "keras.losses.MeanSquaredError()", "regression loss"),
    ("loss", "binary_crossentropy", "yes-or-no"),
    ("loss", "CategoricalCrossentropy(from_logits=True)", "last layer without softmax"),
    ("metrics", "[]", "empty"),
    ("metrics", '["categorical_crossentropy"]', "loss already reports cross-entropy"),
])
def test_each_wrong_blank_of_the_compile_challenge_gets_its_own_reason(blank, answer, words):
    answers = {"optimizer": "adam", "loss": "categorical_crossentropy", "metrics": '["accuracy"]'}
    answers[blank] = answer
    problems = exercises.check_compile(**answers)
    assert list(problems) == [blank] and words in problems[blank]
