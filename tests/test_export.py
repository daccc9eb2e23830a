"""The exported Keras code runs on its own, outside Fit Lab, and trains the same run.

Under JAX (marked `backend`) only the Shapes run is trained again: whether the code reads
a file, or builds dropout and early stopping, is the same on every backend."""

import os
import subprocess
import sys

import numpy as np
import pytest

from fitlab import export, images
from fitlab.settings import Settings


def run_exported(code: str, folder) -> subprocess.CompletedProcess:
    """In a folder of its own, without Fit Lab on the path: as a learner would run it."""
    (folder / "fitlab_run.py").write_text(code)
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run([sys.executable, "fitlab_run.py"], cwd=folder, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.keras
@pytest.mark.backend
def test_the_code_for_a_shapes_run_trains_the_same_run_outside_fit_lab(tmp_path):
    settings = Settings(train_images=300, epochs=2, classes=("ring", "circle", "cross"),
                        images_per_class=80, optimizer="sgd", learning_rate=0.03)
    result = run_exported(export.keras_code(settings), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "fitlab-model.keras").stat().st_size > 10_000  # a trained model
    events = []
    from fitlab import training  # here, not above: it imports Keras, which the fast tier need not

    training.run(settings, events.append)
    final = [event for event in events if event["type"] == "epoch"][-1]["val_accuracy"]
    assert f"Final validation accuracy: {final:.3f}" in result.stdout


@pytest.mark.parametrize("loss, metrics", [
    ("categorical_crossentropy", ("precision", "recall", "f1_score")),
    ("sparse_categorical_crossentropy", ("categorical_accuracy", "top_3_accuracy")),
])
@pytest.mark.keras
def test_the_code_reads_an_npz_or_a_photo_folder_beside_it(tmp_path, loss, metrics):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (60, 32, 32, 3), dtype=np.uint8)
    y = np.arange(60) % 3
    if loss.startswith("sparse"):
        np.savez(tmp_path / "mine.npz", x_train=x, y_train=y[:, None], x_test=x[:6],
                 y_test=y[:6])
        dataset = str(tmp_path / "mine.npz")
    else:
        images.write_folder(tmp_path / "photos", x, y, ["a", "b", "c"])
        dataset = str(tmp_path / "photos")
    code = export.keras_code(Settings(dataset=dataset, loss=loss, epochs=1, train_images=60,
                                      metrics=metrics))
    assert "# -- Compile: the loss, the optimizer and the metrics --" in code
    result = run_exported(code, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Final validation accuracy:" in result.stdout


def test_the_code_names_what_the_learner_chose():
    code = export.keras_code(Settings(dataset="cifar10", optimizer="rmsprop",
                                      learning_rate=0.0003, batch_size=64, epochs=7))
    assert "keras.datasets.cifar10.load_data()" in code
    assert "optimizer=keras.optimizers.RMSprop(learning_rate=0.0003)" in code
    assert "batch_size=64," in code and "epochs=7," in code
    compile(code, "fitlab_run.py", "exec")  # valid Python
    grayscale = export.keras_code(Settings(dataset="mnist"))
    assert "x_train = x_train[..., np.newaxis]" in grayscale


@pytest.mark.keras
@pytest.mark.parametrize("rate, written", [(0.00001, "0.00001"), (1.0, "1.0"), (10.0, "10.0")])
def test_the_code_writes_the_learning_rate_as_a_decimal_that_keras_accepts(rate, written):
    import re

    import keras

    code = export.keras_code(Settings(learning_rate=rate))
    optimizer = re.search(r"optimizer=(keras\.optimizers\.Adam\(.*\)),\n", code).group(1)
    assert optimizer == f"keras.optimizers.Adam(learning_rate={written})"
    # Keras refuses a whole number ("should be float"), so 1 would not do.
    built = eval(optimizer, {"keras": keras})
    assert float(built.learning_rate) == pytest.approx(rate)


@pytest.mark.keras
def test_the_code_of_the_dropout_model_with_early_stopping_trains_the_same_run(tmp_path):
    settings = Settings(train_images=300, epochs=3, model="dropout", dropout_rate=0.3,
                        patience=1, learning_rate=0.003)
    code = export.keras_code(settings)
    assert "keras.layers.Dropout(0.3)," in code and "patience=1" in code
    result = run_exported(code, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    events = []
    from fitlab import training  # here, not above: it imports Keras, which the fast tier need not

    training.run(settings, events.append)
    final = [event for event in events if event["type"] == "epoch"][-1]["val_accuracy"]
    assert f"Final validation accuracy: {final:.3f}" in result.stdout


@pytest.mark.parametrize("backend, title, install", [
    ("tensorflow", "TensorFlow", "pip install tensorflow numpy"),
    ("jax", "JAX", "pip install jax keras numpy"),
    ("torch", "PyTorch", "pip install torch keras numpy"),
])
def test_the_code_says_and_sets_the_backend_it_was_made_for(monkeypatch, backend, title,
                                                            install):
    monkeypatch.setenv("KERAS_BACKEND", backend)  # as the server and its trainers have it
    code = export.keras_code(Settings())
    assert f"# Made for Keras 3 with the {title} backend" in code and f"({install})" in code
    setting = f'os.environ["KERAS_BACKEND"] = "{backend}"'
    assert code.index(setting) < code.index("import keras")  # before Keras chooses one
    compile(code, "fitlab_run.py", "exec")


def test_without_keras_backend_set_the_code_names_the_one_keras_json_chooses(tmp_path,
                                                                            monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert "with the TensorFlow backend" in export.keras_code(Settings())  # Keras' default
    (tmp_path / "keras.json").write_text('{"backend": "jax", "floatx": "float32"}')
    assert 'os.environ["KERAS_BACKEND"] = "jax"' in export.keras_code(Settings())
