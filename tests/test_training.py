"""Real Keras training on a few hundred Shapes pictures, one to three epochs."""

import math

import keras
import numpy as np
import pytest

from fitlab import training
from fitlab.settings import OPTIMIZERS, Settings

pytestmark = [pytest.mark.keras, pytest.mark.backend]

TINY = dict(train_images=300, epochs=2, batch_size=32)


def train(save_to=None, **changes):
    events = []
    outcome = training.run(Settings(**{**TINY, **changes}), events.append, save_to=save_to)
    return outcome, events


def of_type(events, kind):
    return [event for event in events if event["type"] == kind]


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_a_run_reports_every_batch_and_epoch_and_learns(loss, cpu_device):
    outcome, events = train(loss=loss, train_images=600, epochs=3, learning_rate=0.003)
    assert outcome == "finished"
    started = of_type(events, "started")[0]
    assert (started["train_images"], started["validation_images"]) == (480, 120)
    assert started["steps_per_epoch"] == 15 and started["device"] == cpu_device  # CPU (JAX)
    assert started["backend"] == keras.backend.backend()
    epochs = of_type(events, "epoch")
    assert [epoch["epoch"] for epoch in epochs] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(epochs[0])
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    batches = [record for event in of_type(events, "batches") for record in event["records"]]
    # A point every 8 batches (PyTorch: every batch), and one at the end of every epoch.
    every = training.steps_per_execution()
    assert every == (1 if keras.backend.backend() == "torch" else 8)
    steps = sorted({min(step, 15) for step in range(every, 15 + every, every)})
    assert [record[:2] for record in batches] == [[epoch, step] for epoch in (1, 2, 3)
                                                  for step in steps]
    assert of_type(events, "end")[0]["message"] == "Finished all 3 epochs."


def test_the_same_seed_gives_the_same_run():
    first = of_type(train(seed=9, epochs=1)[1], "epoch")[0]
    second = of_type(train(seed=9, epochs=1)[1], "epoch")[0]
    assert math.isclose(first["val_loss"], second["val_loss"], rel_tol=1e-5)


def test_stop_ends_the_run_within_a_few_batches_and_keeps_the_history():
    calls = []

    def stop_at_the_third_check():
        calls.append(1)
        return len(calls) >= 3

    events = []
    outcome = training.run(Settings(**{**TINY, "epochs": 5, "train_images": 1000}),
                           events.append, stop_at_the_third_check)  # 25 batches an epoch
    assert outcome == "stopped"
    batches = [record for event in of_type(events, "batches") for record in event["records"]]
    steps = training.steps_per_execution()
    assert [record[:2] for record in batches] == [[1, steps], [1, 2 * steps], [1, 3 * steps]]
    assert len(of_type(events, "epoch")) == 1  # the partial epoch, with validation
    assert "history so far is kept" in of_type(events, "end")[0]["message"]


def test_a_far_too_high_learning_rate_explodes_and_the_run_stops_itself():
    # SGD at 10: the loss explodes in the first epoch. Then the network either collapses
    # (one answer for every picture, validation near chance) or its loss overflows to NaN:
    # seed 1 on 500 images does the second under TensorFlow (which takes the cross-entropy
    # from the logits, unclipped); JAX and PyTorch clip probabilities at 1e-7 instead.
    outcome, events = train(optimizer="sgd", learning_rate=10.0, seed=1, train_images=500,
                            epochs=5)
    assert outcome in ("diverged", "collapsed")
    epochs = of_type(events, "epoch")
    assert len(epochs) == 1
    end = of_type(events, "end")[0]
    assert "learning rate (10) is far too high for SGD" in end["message"]
    assert "Try 0.1: SGD learned at that rate" in end["message"]
    assert "clips" not in end["message"] and "10 to 100 times smaller" not in end["message"]
    if outcome == "diverged" and math.isnan(epochs[0]["loss"]):
        assert "became NaN" in end["message"]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="JAX and PyTorch clip the cross-entropy at ln 1e7: no 1e24 mean")
def test_each_bundle_of_batches_reports_its_own_loss_even_after_an_explosion():
    # Seed 1 at SGD 10 on 5,000 images: the epoch's running mean reaches about 1e24, and the
    # bundles' losses recovered from two float32 running means were 0, -5.8e17, 7.9e17.
    outcome, events = train(optimizer="sgd", learning_rate=10.0, seed=1, train_images=5000,
                            epochs=2)
    batches = [record for event in of_type(events, "batches") for record in event["records"]]
    assert batches[0][5] > 1e4 and batches[0][2] > 1e4  # the explosion, in both
    later = [record[5] for record in batches[1:]]
    assert all(1.0 < loss < 10.0 for loss in later), later  # near ln 8 = 2.08, not noise
    end = of_type(events, "end")[0]
    assert outcome == "collapsed" and end["live_units"] == 0.0
    assert "stuck at about" not in end["message"] and "Every unit of its last hidden layer" \
        in end["message"]


def test_the_bundles_own_losses_add_up_to_the_epochs_running_mean():
    _, events = train(train_images=1000, epochs=2, learning_rate=0.003)
    batches = [record for event in of_type(events, "batches") for record in event["records"]]
    steps = of_type(events, "started")[0]["steps_per_epoch"]  # 25 batches of 32 images
    for epoch in of_type(events, "epoch"):
        mine = [record for record in batches if record[0] == epoch["epoch"]]
        sizes = [min(step, steps) * 32 - min(before, steps) * 32
                 for before, step in zip([0] + [r[1] for r in mine], [r[1] for r in mine])]
        sizes[-1] = 800 - sum(sizes[:-1])  # the epoch's last batch is short
        mean = sum(size * record[5] for size, record in zip(sizes, mine)) / sum(sizes)
        assert math.isclose(mean, epoch["loss"], rel_tol=1e-4)
        assert math.isclose(mine[-1][2], epoch["loss"], rel_tol=1e-5)
        assert "bundle_loss" not in epoch and "val_bundle_loss" not in epoch


def test_a_collapse_to_chance_level_is_recognised_and_stops_the_run():
    # Adam at 0.05: at 0.1, the loss of JAX's and PyTorch's clipped cross-entropy sticks far
    # above chance, which is divergence (above).
    outcome, events = train(optimizer="adam", learning_rate=0.05, seed=42, train_images=500,
                            epochs=5)
    assert outcome == "collapsed"
    assert len(of_type(events, "epoch")) < 5
    assert "ln(8) = 2.08" in of_type(events, "end")[0]["message"]


def test_a_learning_rate_that_is_merely_too_low_is_not_called_a_collapse():
    outcome, _ = train(optimizer="adam", learning_rate=0.00001, epochs=2)
    assert outcome == "finished"


def test_real_cifar_photographs_learn_with_the_lessons_settings(cifar_subset):
    outcome, events = train(dataset=str(cifar_subset), train_images=2000, epochs=2)
    accuracy = [epoch["val_accuracy"] for epoch in of_type(events, "epoch")]
    assert outcome == "finished" and accuracy[-1] > 0.2  # chance is 0.1


def test_the_progress_callback_does_no_work_that_grows_with_the_history():
    sent = []
    progress = training.Progress(sent.append, lambda: False, 8, np.zeros((2, 32, 32, 3)))
    progress.on_epoch_begin(0)
    for step in range(5000):
        progress.on_train_batch_end(step, {"loss": 2.0, "accuracy": 0.1, "bundle_loss": 2.0})
    progress.flush()
    records = [record for event in sent for record in event["records"]]
    assert len(records) == 5000 and progress.pending == []


def test_running_out_of_memory_suggests_a_smaller_batch():
    class ResourceExhaustedError(Exception):  # the name TensorFlow gives an OOM on a GPU
        pass

    for error in (MemoryError(), ResourceExhaustedError("OOM when allocating tensor"),
                  RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")):
        assert "smaller batch size" in training.describe_failure(error)
    assert training.describe_failure(ValueError("Images of 8x8 pixels are too small.")) == (
        "Images of 8x8 pixels are too small.")
    assert training.describe_failure(KeyError("x")).startswith("The run failed: KeyError")


def test_chosen_classes_and_images_per_class_shape_the_run_and_the_model():
    outcome, events = train(classes=("square", "circle", "cross"), images_per_class=50,
                            train_images=5000, epochs=1)
    started = of_type(events, "started")[0]
    assert outcome == "finished"
    assert started["class_names"] == ["square", "circle", "cross"]
    assert started["train_images"] + started["validation_images"] == 150  # 3 classes x 50


def test_grayscale_images_of_another_size_train_with_the_input_following_the_data(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.arange(200) % 2
    pictures = np.zeros((200, 28, 28), np.uint8)  # MNIST's layout: no channel axis
    pictures[labels == 1, 10:18, 10:18] = 255  # a bright square or nothing, plus noise
    pictures = np.clip(pictures + rng.integers(0, 60, pictures.shape), 0, 255).astype(np.uint8)
    path = tmp_path / "gray.npz"
    np.savez(path, x_train=pictures, y_train=labels, x_test=pictures[:10], y_test=labels[:10])
    outcome, events = train(dataset=str(path), train_images=200, epochs=2)
    assert outcome == "finished"
    assert of_type(events, "started")[0]["input_shape"] == [28, 28, 1]
    assert of_type(events, "epoch")[-1]["val_accuracy"] > 0.9


def test_each_epoch_is_scored_on_test_images_and_the_model_is_saved(tmp_path):
    outcome, events = train(classes=("circle", "square"), save_to=str(tmp_path / "m.keras"))
    evaluations = of_type(events, "evaluation")
    assert [evaluation["epoch"] for evaluation in evaluations] == [1, 2]
    last = evaluations[-1]
    confusion = np.array(last["confusion"])
    assert confusion.shape == (2, 2) and confusion.sum() == last["test_images"] > 100
    assert abs(np.trace(confusion) / confusion.sum() - last["accuracy"]) < 1e-9
    assert len(last["predicted"]) == training.GRID_IMAGES and 0 < last["loss"] < 5
    assert of_type(events, "saved") == [{"type": "saved", "path": str(tmp_path / "m.keras")}]
    import keras

    model = keras.saving.load_model(tmp_path / "m.keras")
    assert model.output_shape == (None, 2)


def test_early_stopping_ends_the_run_and_evaluate_scores_the_weights_it_kept(tmp_path):
    # 500 images for 30 epochs overfit within a few epochs.
    outcome, events = train(train_images=500, epochs=30, patience=2,
                            save_to=str(tmp_path / "m.keras"))
    epochs = of_type(events, "epoch")
    assert outcome == "early stopped" and len(epochs) < 30
    best = min(epochs, key=lambda epoch: epoch["val_loss"])["epoch"]
    end = of_type(events, "end")[0]
    assert end["message"].startswith(f"Early stopping ended the run after epoch {len(epochs)} "
                                     "of 30")
    assert f"since its best, in epoch {best}." in end["message"] and end["kept_epoch"] == best
    # The last score is of the weights kept (and saved), not of the last epoch's.
    last = of_type(events, "evaluation")[-1]
    assert last["epoch"] == best and last["restored"] is True
    assert [e["epoch"] for e in of_type(events, "evaluation")[:-1]] == \
        list(range(1, len(epochs) + 1))
    from fitlab import data

    run_data = training.load_and_prepare(Settings(**{**TINY, "train_images": 500}))
    x, y = run_data.x_test[:training.TEST_SAMPLE], run_data.y_test[:training.TEST_SAMPLE]
    saved = keras.saving.load_model(tmp_path / "m.keras")
    predicted = np.asarray(saved.predict(data.scale(x), verbose=0)).argmax(axis=1)
    assert math.isclose(float((predicted == y).mean()), last["accuracy"])


def test_the_dropout_model_trains():
    outcome, events = train(model="dropout", dropout_rate=0.3)
    assert outcome == "finished" and len(of_type(events, "epoch")) == 2


@pytest.mark.parametrize("loss, metrics", [
    ("categorical_crossentropy", ("categorical_accuracy", "top_3_accuracy", "precision",
                                  "recall", "f1_score")),
    ("sparse_categorical_crossentropy", ("categorical_accuracy", "top_3_accuracy")),
])
def test_chosen_metrics_are_reported_for_training_and_validation_every_epoch(loss, metrics):
    outcome, events = train(loss=loss, metrics=metrics, learning_rate=0.003)
    assert outcome == "finished"
    for epoch in of_type(events, "epoch"):
        for name in metrics:
            for key in (name, f"val_{name}"):
                assert 0.0 <= epoch[key] <= 1.0, (key, epoch[key])
        # Categorical accuracy is accuracy under its full name; top-3 is never below top-1.
        assert math.isclose(epoch["categorical_accuracy"], epoch["accuracy"], rel_tol=1e-6)
        assert epoch["top_3_accuracy"] >= epoch["accuracy"]


@pytest.mark.parametrize("key", list(OPTIMIZERS))
def test_each_optimizer_in_the_table_is_the_keras_class_it_names(key):
    optimizer = training.make_optimizer(Settings(optimizer=key, learning_rate=0.03))
    assert type(optimizer).__name__ == OPTIMIZERS[key].keras_class
    assert math.isclose(float(optimizer.learning_rate), 0.03, rel_tol=1e-6)


def numbers(events):
    """What a learner sees of a run: every point of the per-batch curve and every epoch."""
    batches = [record[:4] for event in of_type(events, "batches") for record in event["records"]]
    epochs = [{key: value for key, value in epoch.items() if key != "seconds"}
              for epoch in of_type(events, "epoch")]
    return batches, epochs


def assert_same_run(first, second):
    (batches, epochs), (other_batches, other_epochs) = numbers(first), numbers(second)
    assert [record[:2] for record in batches] == [record[:2] for record in other_batches]
    assert np.allclose([record[2:] for record in batches],
                       [record[2:] for record in other_batches], rtol=1e-5)
    assert [sorted(epoch) for epoch in epochs] == [sorted(epoch) for epoch in other_epochs]
    for epoch, other in zip(epochs, other_epochs):
        assert all(math.isclose(epoch[key], other[key], rel_tol=1e-5) for key in epoch
                   if key != "type"), (epoch, other)


@pytest.mark.parametrize("changes", [
    dict(optimizer="adam", learning_rate=0.003),
    # Dropout draws its masks from a seed of its own, which the reused model must start from
    # too; RMSprop keeps a slot per weight that must start empty.
    dict(model="dropout", dropout_rate=0.3, optimizer="rmsprop", learning_rate=0.001),
])
def test_a_run_on_a_reused_compiled_model_gives_the_numbers_of_a_freshly_built_one(changes):
    training._compiled.clear()
    fresh = train(seed=5, **changes)[1]
    # Another run of the same shape of step, with another seed and rate, trains the kept
    # model first: the next run must not inherit its weights, its optimizer's state or rate.
    train(seed=11, **{**changes, "learning_rate": changes["learning_rate"] * 10})
    kept = next(iter(training._compiled.values()))
    reused = train(seed=5, **changes)[1]
    assert len(training._compiled) == 1 and next(iter(training._compiled.values())) is kept
    assert_same_run(fresh, reused)


def test_a_run_of_another_shape_of_step_compiles_its_own_model():
    training._compiled.clear()
    train(seed=5)
    train(seed=5, loss="sparse_categorical_crossentropy")
    train(seed=5, classes=("circle", "square", "triangle"))
    assert len(training._compiled) == 3


def test_the_warm_up_compiles_the_step_of_the_lessons_default_run():
    training._compiled.clear()
    training.warm_up()
    (warmed,) = training._compiled.values()
    train(**{key: getattr(Settings(), key) for key in TINY})  # the default run's shape
    assert list(training._compiled.values()) == [warmed]
