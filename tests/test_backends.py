"""Keras' other backends, in processes of their own: JAX and PyTorch train from the command
line, in a worker of the app's pool, and in the exported code.

Each test skips where its backend is not installed. CI installs JAX (its CPU wheels come from
the ordinary package index) and also runs the engine's tests under it (scripts/test.sh);
PyTorch's wheels from that index bring the CUDA libraries, so CI goes without it.
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
from test_export import run_exported

from fitlab import export
from fitlab.pool import WorkerPool
from fitlab.settings import Settings

pytestmark = pytest.mark.keras

ROOT = pathlib.Path(__file__).resolve().parents[1]
TITLES = {"jax": "JAX", "torch": "PyTorch"}


@pytest.mark.parametrize("backend", TITLES)
def test_the_command_line_and_the_exported_code_train_the_same_run_on_each_backend(
        backend, tmp_path, monkeypatch):
    pytest.importorskip(backend)
    result = subprocess.run(
        [sys.executable, "-m", "fitlab", "train", "--train-images", "300", "--epochs", "1",
         "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "KERAS_BACKEND": backend})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    final = json.loads(result.stdout.strip().splitlines()[-1])["val_accuracy"]

    monkeypatch.setenv("KERAS_BACKEND", backend)  # as the server's trainers have it
    code = export.keras_code(Settings(train_images=300, epochs=1))
    assert f"# Made for Keras 3 with the {TITLES[backend]} backend" in code
    monkeypatch.delenv("KERAS_BACKEND")  # the code sets it itself
    exported = run_exported(code, tmp_path)
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert f"Final validation accuracy: {final:.3f}" in exported.stdout


def test_a_worker_on_pytorch_names_it_and_charts_every_batch(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv("KERAS_BACKEND", "torch")  # the workers inherit it
    pool = WorkerPool(workers=1)
    try:
        job = pool.submit(Settings(train_images=300, epochs=2))
        deadline = time.monotonic() + 240
        while job.history.active and time.monotonic() < deadline:
            time.sleep(0.1)
        history = job.snapshot()
        assert history.state == "finished", history.message
        # "CPU (PyTorch)" on the status line, or "GPU: <card> (PyTorch)"
        assert history.device.endswith("(PyTorch)") and pool.devices == [history.device]
        # PyTorch's backend runs one batch a call (steps_per_execution 1): a point a batch.
        steps = history.info["steps_per_epoch"]
        assert [record[:2] for record in history.batches] == [
            [epoch, step] for epoch in (1, 2) for step in range(1, steps + 1)]
    finally:
        pool.close()


def test_jax_keeps_its_compiled_steps_on_disk_beside_keras_own_cache(tmp_path):
    # So that a restarted server does not compile its first runs again.
    pytest.importorskip("jax")
    result = subprocess.run(
        [sys.executable, "-m", "fitlab", "train", "--train-images", "300", "--epochs", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "KERAS_BACKEND": "jax", "KERAS_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert any((tmp_path / "fitlab-compiled" / "jax").iterdir())
