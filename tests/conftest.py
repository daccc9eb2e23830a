"""Shared fixtures: small real data sets, written as the files users would give Fit Lab."""

from __future__ import annotations

import atexit
import hashlib
import os
import pathlib
import shutil
import tempfile

import numpy as np
import pytest
from remote_files import FILES, serve

from fitlab import devices, downloads, shapes

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Page tests keep learners' runs where the app would: in a run store, here a fresh one.
os.environ["FITLAB_STORE"] = tempfile.mkdtemp(prefix="fitlab-test-store-")
atexit.register(shutil.rmtree, os.environ["FITLAB_STORE"], ignore_errors=True)
CIFAR_SUBSET = ROOT.parent / "shared" / "data" / "cifar10-subset.npz"


@pytest.fixture(scope="session")
def cifar_subset() -> pathlib.Path:
    """Real CIFAR-10 photographs, present beside the project on development machines and CI."""
    if not CIFAR_SUBSET.exists():
        pytest.skip("../shared/data/cifar10-subset.npz is not on this machine")
    return CIFAR_SUBSET


@pytest.fixture(scope="session")
def cpu_device() -> str:
    """The device a run names on this machine's CPU: the status line gives the backend too."""
    return {"tensorflow": "CPU (TensorFlow)", "jax": "CPU (JAX)",
            "torch": "CPU (PyTorch)"}[devices.configured_backend()]


@pytest.fixture(scope="session")
def small_npz(tmp_path_factory) -> pathlib.Path:
    """An .npz in Keras' layout, 240 + 60 Shapes pictures, labels shaped (N, 1) as Keras ships."""
    (x_train, y_train), (x_test, y_test) = shapes.shapes(seed=3, train_size=240, test_size=60)
    path = tmp_path_factory.mktemp("npz") / "small-shapes.npz"
    np.savez(path, x_train=x_train, y_train=y_train[:, None], x_test=x_test,
             y_test=y_test[:, None])
    return path


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local stand-in for the internet, an empty Keras cache, and the real checksums
    swapped for those of the stand-in files."""
    with serve(FILES) as (url, requests):
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
        monkeypatch.setenv("FITLAB_MIRROR", url)
        _use_checksums_of_the_stand_ins(monkeypatch)
        yield requests


def _use_checksums_of_the_stand_ins(monkeypatch):
    for name, remotes in downloads.REMOTES.items():
        monkeypatch.setitem(downloads.REMOTES, name, [
            downloads.Remote(remote.url, remote.cache_path, remote.sha256 and hashlib.sha256(
                FILES[remote.url.rsplit("/", 1)[1]]).hexdigest(), remote.megabytes)
            for remote in remotes])
