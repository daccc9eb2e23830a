"""Downloads of CIFAR-10, MNIST and Fashion-MNIST.

The internet is external and absent on CI, so a local HTTP server stands in for it, serving
small files in the real formats (a CIFAR tar.gz of pickled batches, MNIST's .npz,
Fashion-MNIST's gzipped IDX files); the download, cache, checksum and reading code is real.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from remote_files import FILES

from fitlab import data, downloads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_download_reports_bytes_done_and_total_and_is_cached_once(mirror, tmp_path):
    reports = []
    assert not data.is_cached(data.CIFAR10)
    x_train, y_train, x_test, y_test, names = data.load(
        data.CIFAR10, progress=lambda *report: reports.append(report))
    size = len(FILES["cifar-10-python.tar.gz"])
    assert reports[-1] == ("CIFAR-10", size, size)
    assert x_train.shape == (30, 32, 32, 3) and x_test.shape == (6, 32, 32, 3)
    assert y_train.tolist()[:6] == [0, 1, 2, 3, 4, 5] and names[0] == "airplane"
    assert data.is_cached(data.CIFAR10)
    data.load(data.CIFAR10)  # a second time: from the cache
    assert mirror == ["cifar-10-python.tar.gz"]
    assert not list((tmp_path / "keras").rglob("*.part"))


def test_grayscale_sets_get_a_channel_axis(mirror):
    x_train, y_train, x_test, _, names = data.load(data.MNIST)
    assert x_train.shape == (7, 28, 28, 1) and x_test.shape == (3, 28, 28, 1)
    assert names[3] == "3"
    x_train, y_train, _, _, names = data.load(data.FASHION_MNIST)
    assert x_train.shape == (5, 28, 28, 1) and y_train.tolist() == [0, 1, 2, 3, 4]
    assert sorted(mirror) == sorted(["mnist.npz", *list(FILES)[2:]])


def test_a_damaged_download_is_refused_and_not_kept(mirror, tmp_path, monkeypatch):
    monkeypatch.setitem(downloads.REMOTES, "mnist", [
        downloads.Remote(downloads.GOOGLE + "mnist.npz", "mnist.npz", "0" * 64)])
    with pytest.raises(data.DataError, match="arrived damaged"):
        data.load(data.MNIST)
    assert not list((tmp_path / "keras").rglob("mnist*"))


def test_progress_is_told_in_units_that_fit():
    assert downloads.progress_text("CIFAR-10", 42_600_000, 170_500_000) == \
        "Downloading CIFAR-10: 42.6 of 170.5 MB"
    assert downloads.progress_text("MNIST", 2_500, 28_881) == "Downloading MNIST: 2.5 of 28.9 kB"
    assert downloads.progress_text("MNIST", 3_000_000, None) == "Downloading MNIST: 3.0 MB"


@pytest.mark.timeout(60)  # a hang, not a slow answer, is what this guards against
def test_offline_fails_within_seconds_with_advice(tmp_path, monkeypatch):
    with socket.socket() as closed:  # a port nobody listens on: what an offline laptop gets
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("FITLAB_MIRROR", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(data.DataError, match="Could not download MNIST.*fetch all.*Shapes"):
        data.load(data.MNIST)
    assert time.monotonic() - started < downloads.DOWNLOAD_TIMEOUT_SECONDS
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_fetch_all_from_the_command_line(mirror, tmp_path):
    environment = {**os.environ, "PYTHONPATH": ROOT}
    result = subprocess.run(
        [sys.executable, "-m", "fitlab", "fetch", "fashion_mnist"], cwd=ROOT,
        env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Fashion-MNIST is ready: 5 training and 2 test images." in result.stdout
    assert "Downloading Fashion-MNIST (file 4 of 4): 43 of 43 bytes" in result.stderr
    offline = {**environment, "FITLAB_MIRROR": "http://127.0.0.1:9", "KERAS_HOME":
               str(tmp_path / "empty")}
    result = subprocess.run([sys.executable, "-m", "fitlab", "fetch", "all"], cwd=ROOT,
                            env=offline, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("fitlab: error: Could not download CIFAR-10")
