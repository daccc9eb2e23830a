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
from remote_files import FILES, WEB_PAGE, serve

from fitlab import data, datasets, downloads

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
        downloads.Remote(datasets.GOOGLE + "mnist.npz", "mnist.npz", "0" * 64)])
    with pytest.raises(data.DataError, match="arrived damaged"):
        data.load(data.MNIST)
    assert not list((tmp_path / "keras").rglob("mnist*"))


IMAGES = "train-images-idx3-ubyte.gz"  # Fashion-MNIST's largest file, which has no checksum


@pytest.mark.parametrize("mirror_files, cut_short, words", [
    ({**FILES, IMAGES: WEB_PAGE}, {}, "is a web page, not the data set's file"),
    ({**FILES, IMAGES: FILES[IMAGES][:30]}, {}, "is not a whole gzip-compressed IDX file"),
    (FILES, {IMAGES: 30}, f"arrived cut short (30 of {len(FILES[IMAGES])} bytes)"),
], ids=["a web page", "half a file on the mirror", "the connection dropped"])
def test_a_download_without_a_checksum_is_checked_before_it_is_cached(
        tmp_path, monkeypatch, mirror_files, cut_short, words):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with serve(mirror_files, cut_short=cut_short) as (url, _):
        monkeypatch.setenv("FITLAB_MIRROR", url)
        with pytest.raises(data.DataError) as refused:
            data.load(data.FASHION_MNIST)
    assert f"The download of Fashion-MNIST (file 2 of 4) from {url}/{IMAGES} " in str(refused.value)
    assert words in str(refused.value) and "nothing was kept" in str(refused.value)
    assert not (downloads.cache_dir() / "fashion-mnist" / IMAGES).exists()
    assert not list((tmp_path / "keras").rglob("*.part"))
    with serve(FILES) as (url, requests):  # the mirror, fixed: the next try just works
        monkeypatch.setenv("FITLAB_MIRROR", url)
        x_train, *_ = data.load(data.FASHION_MNIST)
    assert x_train.shape == (5, 28, 28, 1)
    assert requests == list(FILES)[3:]  # the refused file and the two after it, not the first


@pytest.mark.parametrize("name, cached, downloaded_again", [
    (data.FASHION_MNIST, f"fashion-mnist/{IMAGES}", [IMAGES]),
    (data.MNIST, "mnist.npz", ["mnist.npz"]),
    # CIFAR-10's archive is checked by its checksum and kept: the batches are unpacked again.
    (data.CIFAR10, "cifar-10-batches-py-target/cifar-10-batches-py/data_batch_3", []),
], ids=["fashion_mnist", "mnist", "cifar10"])
def test_a_damaged_file_in_the_cache_is_named_removed_and_fetched_again(
        mirror, name, cached, downloaded_again):
    data.load(name)
    # As a Fit Lab before this check cached a mirror's web page, or a disk left a file half
    # written.
    (downloads.cache_dir() / cached).write_bytes(WEB_PAGE)
    with pytest.raises(data.DataError) as refused:
        data.load(name)
    assert str(refused.value).startswith(f"{cached} in Keras' cache is damaged (")
    assert "removed it: the next try fetches it again" in str(refused.value)
    assert not (downloads.cache_dir() / cached).exists()
    mirror.clear()
    x_train, *_ = data.load(name)
    assert len(x_train) and mirror == downloaded_again


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
