"""Downloads of CIFAR-10, MNIST and Fashion-MNIST.

The internet is external and absent on CI, so a local HTTP server stands in for it, serving
small files in the real formats (a CIFAR tar.gz of pickled batches, MNIST's .npz,
Fashion-MNIST's gzipped IDX files); the download, cache, checksum and reading code is real.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import pickle
import socket
import subprocess
import sys
import tarfile
import threading
import time

import numpy as np
import pytest

from fitlab import data, downloads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cifar_archive(per_batch: int = 6) -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in [f"data_batch_{n}" for n in range(1, 6)] + ["test_batch"]:
            batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                     b"labels": list(range(per_batch))}
            payload = pickle.dumps(batch, protocol=4)
            member = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            member.size = len(payload)
            tar.addfile(member, io.BytesIO(payload))
    return buffer.getvalue()


def _mnist_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.full((7, 28, 28), 9, np.uint8), y_train=np.arange(7) % 10,
             x_test=np.zeros((3, 28, 28), np.uint8), y_test=np.arange(3))
    return buffer.getvalue()


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        size.to_bytes(4, "big") for size in array.shape)
    return gzip.compress(header + array.tobytes())


FILES = {
    "cifar-10-python.tar.gz": _cifar_archive(),
    "mnist.npz": _mnist_npz(),
    "train-labels-idx1-ubyte.gz": _idx(np.arange(5, dtype=np.uint8)),
    "train-images-idx3-ubyte.gz": _idx(np.ones((5, 28, 28), np.uint8)),
    "t10k-labels-idx1-ubyte.gz": _idx(np.arange(2, dtype=np.uint8)),
    "t10k-images-idx3-ubyte.gz": _idx(np.zeros((2, 28, 28), np.uint8)),
}


class Handler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        name = self.path.rsplit("/", 1)[1]
        Handler.requests.append(name)
        if name not in FILES:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(FILES[name])))
        self.end_headers()
        self.wfile.write(FILES[name])

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local stand-in for the internet, an empty Keras cache, and the real checksums
    swapped for those of the stand-in files."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Handler.requests = []
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("FITLAB_MIRROR", f"http://127.0.0.1:{server.server_port}/files")
    for name, remotes in downloads.REMOTES.items():
        monkeypatch.setitem(downloads.REMOTES, name, [
            downloads.Remote(remote.url, remote.cache_path, remote.sha256 and hashlib.sha256(
                FILES[remote.url.rsplit("/", 1)[1]]).hexdigest(), remote.megabytes)
            for remote in remotes])
    yield server
    server.shutdown()


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
    assert Handler.requests == ["cifar-10-python.tar.gz"]
    assert not list((tmp_path / "keras").rglob("*.part"))


def test_grayscale_sets_get_a_channel_axis(mirror):
    x_train, y_train, x_test, _, names = data.load(data.MNIST)
    assert x_train.shape == (7, 28, 28, 1) and x_test.shape == (3, 28, 28, 1)
    assert names[3] == "3"
    x_train, y_train, _, _, names = data.load(data.FASHION_MNIST)
    assert x_train.shape == (5, 28, 28, 1) and y_train.tolist() == [0, 1, 2, 3, 4]
    assert sorted(Handler.requests) == sorted(["mnist.npz", *list(FILES)[2:]])


def test_a_damaged_download_is_refused_and_not_kept(mirror, tmp_path, monkeypatch):
    monkeypatch.setitem(downloads.REMOTES, "mnist", [
        downloads.Remote(downloads.GOOGLE + "mnist.npz", "mnist.npz", "0" * 64)])
    with pytest.raises(data.DataError, match="arrived damaged"):
        data.load(data.MNIST)
    assert not list((tmp_path / "keras").rglob("mnist*"))


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
    assert "Downloading Fashion-MNIST:" in result.stderr and " MB" in result.stderr
    offline = {**environment, "FITLAB_MIRROR": "http://127.0.0.1:9", "KERAS_HOME":
               str(tmp_path / "empty")}
    result = subprocess.run([sys.executable, "-m", "fitlab", "fetch", "all"], cwd=ROOT,
                            env=offline, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("fitlab: error: Could not download CIFAR-10")
