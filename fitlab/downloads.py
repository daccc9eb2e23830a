"""CIFAR-10, MNIST and Fashion-MNIST: downloaded once per machine, read with NumPy alone.

The files and cache places are the ones `keras.datasets` uses (KERAS_HOME, else ~/.keras,
then `datasets/`), so a copy Keras already fetched is reused and the other way round. Fit
Lab downloads and reads them itself rather than through `keras.datasets` for two reasons:
Keras' download reports progress only as a bar printed to the terminal, while a learner
needs bytes done and total on the page; and the Streamlit server, which must never import
Keras, reads them too, to show the data page.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import math
import os
import pathlib
import pickle
import shutil
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable

import numpy as np

from fitlab import config
from fitlab.datasets import BUILT_IN, Remote
from fitlab.errors import DataError

# Long enough for a slow link to start sending, short enough that an offline laptop hears
# "no" within seconds rather than waiting on the operating system's minutes-long default.
DOWNLOAD_TIMEOUT_SECONDS = 10
CHUNK_BYTES = 256 * 1024
REPORT_EVERY_SECONDS = 0.25
# Fashion-MNIST's largest file unpacks to 47 MB; a "file" unpacking to more is not one of its.
MAX_IDX_BYTES = 100 * 1024 * 1024
# What reading a damaged cached file raises: a file cut short, a web page, another format.
UNREADABLE = (OSError, EOFError, ValueError, zlib.error, zipfile.BadZipFile, tarfile.TarError,
              pickle.UnpicklingError, KeyError, TypeError)

# progress(title, bytes done, bytes in all or None when the server does not say)
Progress = Callable[[str, int, "int | None"], None]


# The files of each downloaded data set, from its entry in fitlab.datasets.BUILT_IN (a dict of
# their own, which the tests point at a server of their own).
REMOTES = {name: list(dataset.files) for name, dataset in BUILT_IN.items() if dataset.downloaded}
CIFAR10_FOLDER = "cifar-10-batches-py-target"  # where Keras unpacks the archive


def progress_text(title: str, done: int, total: int | None) -> str:
    """"Downloading CIFAR-10: 42.6 of 170.5 MB", in kB or bytes for smaller files."""
    largest = total or done
    unit, scale, digits = next(
        (unit, scale, digits) for unit, scale, digits in
        (("MB", 1e6, 1), ("kB", 1e3, 1), ("bytes", 1, 0)) if largest >= scale or scale == 1)
    size = f"{done / scale:.{digits}f} of {total / scale:.{digits}f} {unit}" if total else \
        f"{done / scale:.{digits}f} {unit}"
    return f"Downloading {title}: {size}"


def source_url(remote: Remote) -> str:
    """The file's address: its home on the internet, or FITLAB_MIRROR's copy of it.

    A workshop on a slow or closed network can serve the files from one machine on the
    room's network (`python -m http.server` in a folder holding them) and set FITLAB_MIRROR.
    """
    mirror = config.mirror()
    return f"{mirror}/{remote.url.rsplit('/', 1)[1]}" if mirror else remote.url


def cache_dir() -> pathlib.Path:
    return config.keras_home() / "datasets"


def is_cached(name: str) -> bool:
    if name == "cifar10":
        return (cache_dir() / CIFAR10_FOLDER / "cifar-10-batches-py" / "test_batch").is_file()
    return all((cache_dir() / remote.cache_path).is_file() for remote in REMOTES[name])


def download_megabytes(name: str) -> float:
    return sum(remote.megabytes for remote in REMOTES[name])


def fetch(name: str, title: str, progress: Progress | None = None) -> None:
    """Make sure the data set's files are in the cache, downloading what is missing."""
    if is_cached(name):
        return
    files = REMOTES[name]
    for number, remote in enumerate(files, start=1):
        target = cache_dir() / remote.cache_path
        if not target.is_file() or not _matches(target, remote.sha256):
            shown = title if len(files) == 1 else f"{title} (file {number} of {len(files)})"
            download(remote, target, shown, progress)
    if name == "cifar10":
        _unpack(cache_dir() / REMOTES[name][0].cache_path, cache_dir() / CIFAR10_FOLDER)


def download(remote: Remote, target: pathlib.Path, title: str,
             progress: Progress | None = None) -> None:
    """Stream one file into the cache, reporting bytes done; nothing half-written is kept."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own, so that two processes fetching at once never share a half file.
    partial = target.with_name(f"{target.name}.{os.getpid()}.{time.monotonic_ns()}.part")
    url = source_url(remote)
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            digest, done = _stream(response, partial, lambda done: progress and progress(
                title, done, total))
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DataError(
            f"Could not download {title} from {url} ({getattr(error, 'reason', error)}). "
            "It needs the internet the first time: run `python -m fitlab fetch all` on a "
            "connected machine before the workshop, or train on the offline Shapes data set."
        ) from None
    except BaseException:  # Ctrl-C or Stop: leave no half file behind
        partial.unlink(missing_ok=True)
        raise
    if remote.sha256 and digest != remote.sha256:
        partial.unlink(missing_ok=True)
        raise DataError(f"The download of {title} arrived damaged (its checksum does not "
                        "match); try again, or fetch it on another network.")
    # A file without a checksum is read through before it is kept: a mirror or a Wi-Fi sign-in
    # page answering with HTML, or a connection dropped mid-file, would otherwise stay in the
    # cache and fail every later run. (http.client does not complain of a short body itself.)
    problem = (f"arrived cut short ({done:,} of {total:,} bytes)" if total and done != total
               else None if remote.sha256 else _not_whole(partial, remote))
    if problem:
        partial.unlink(missing_ok=True)
        raise DataError(f"The download of {title} from {url} {problem}; nothing was kept. Try "
                        "again, or fetch it on another network (or check FITLAB_MIRROR, if "
                        "it is set).")
    partial.replace(target)


def _not_whole(path: pathlib.Path, remote: Remote) -> str | None:
    """Why a downloaded file is not the one its name promises, or None when it reads whole."""
    with open(path, "rb") as file:
        start = file.read(512).lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        return "is a web page, not the data set's file"
    if remote.cache_path.endswith("-ubyte.gz"):  # the only kind downloaded without a checksum
        try:
            _idx(path)
        except UNREADABLE as error:
            return f"is not a whole gzip-compressed IDX file ({_first_line(error)})"
    return None


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _stream(response, path: pathlib.Path, report: Callable[[int], object]) -> tuple[str, int]:
    """Copy the response into `path` chunk by chunk; return the SHA-256 of what came and its
    length in bytes."""
    digest, done, reported = hashlib.sha256(), 0, 0.0
    with open(path, "wb") as out:
        while chunk := response.read(CHUNK_BYTES):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if time.monotonic() - reported >= REPORT_EVERY_SECONDS:
                report(done)
                reported = time.monotonic()
    report(done)
    return digest.hexdigest(), done


def _matches(path: pathlib.Path, sha256: str | None) -> bool:
    if sha256 is None:
        return True
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def _unpack(archive: pathlib.Path, folder: pathlib.Path) -> None:
    """Unpack beside the cache, then move into place in one step: a reader never sees half."""
    staging = folder.with_name(f"{folder.name}.{os.getpid()}.{time.monotonic_ns()}.part")
    # The "data" filter refuses members that would land outside the folder, links and devices.
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    if folder.exists() and not is_cached("cifar10"):  # a half-unpacked copy from before
        shutil.rmtree(folder, ignore_errors=True)
    try:
        staging.replace(folder)
    except OSError:  # another process got there first with the same files
        shutil.rmtree(staging, ignore_errors=True)


# -- reading the cached files -----------------------------------------------------------------

def read(name: str):
    """Return (x_train, y_train, x_test, y_test) from the cache, images as (N, H, W, C) uint8.

    A cached file that cannot be read is removed, with a sentence naming it, so that the next
    try fetches it again rather than failing the same way for ever.
    """
    return READERS[name]()


def _read_cifar10():
    folder = cache_dir() / CIFAR10_FOLDER / "cifar-10-batches-py"
    batches = []
    for batch in [f"data_batch_{number}" for number in range(1, 6)] + ["test_batch"]:
        # The folder goes: the archive, which has a checksum, is unpacked again.
        with _removed_if_damaged(folder / batch, cache_dir() / CIFAR10_FOLDER):
            batches.append(_cifar_batch(folder / batch))
    x_test, y_test = batches.pop()
    x_train = np.concatenate([images for images, _ in batches])
    y_train = np.concatenate([labels for _, labels in batches])
    return x_train, y_train, x_test, y_test


def _read_mnist():
    path = cache_dir() / "mnist.npz"
    with _removed_if_damaged(path), np.load(path, allow_pickle=False) as archive:
        return tuple(archive[key][..., np.newaxis] if key.startswith("x") else archive[key]
                     for key in ("x_train", "y_train", "x_test", "y_test"))


def _read_fashion_mnist():
    arrays = []
    for remote in REMOTES["fashion_mnist"]:
        path = cache_dir() / remote.cache_path
        with _removed_if_damaged(path):
            arrays.append(_idx(path))
    y_train, x_train, y_test, x_test = arrays
    return x_train[..., np.newaxis], y_train, x_test[..., np.newaxis], y_test


# How each downloaded data set's cached files are read: one reader per format.
READERS = {"cifar10": _read_cifar10, "mnist": _read_mnist, "fashion_mnist": _read_fashion_mnist}


@contextlib.contextmanager
def _removed_if_damaged(path: pathlib.Path, remove: pathlib.Path | None = None):
    """Turn a failure to read the cached `path` into a sentence, removing `remove` (by default
    `path` itself). The sentence names the file inside the cache, never the server's home."""
    try:
        yield
    except UNREADABLE as error:
        remove = remove or path
        if remove.is_dir():
            shutil.rmtree(remove, ignore_errors=True)
        else:
            remove.unlink(missing_ok=True)
        raise DataError(
            f"{path.relative_to(cache_dir()).as_posix()} in Keras' cache is damaged "
            f"({_first_line(error)}), so Fit Lab removed it: the next try fetches it again."
        ) from None


class _NumpyOnly(pickle.Unpickler):
    """CIFAR's batches are pickles; let them rebuild NumPy arrays and nothing else."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
               ("numpy", "dtype"), ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch")


def _cifar_batch(path: pathlib.Path):
    with open(path, "rb") as file:
        batch = _NumpyOnly(file, encoding="bytes").load()
    images = np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), np.asarray(batch[b"labels"], np.uint8)


def _idx(path: pathlib.Path) -> np.ndarray:
    """A gzipped IDX file (MNIST's own format): a header of sizes, then exactly that many
    bytes. Anything else raises ValueError, or gzip's own error for a file cut short."""
    with gzip.open(path, "rb") as file:
        raw = file.read(MAX_IDX_BYTES + 1)
    if len(raw) > MAX_IDX_BYTES:
        raise ValueError(f"it unpacks to more than {MAX_IDX_BYTES // 2**20} MB")
    if len(raw) < 4 or raw[:3] != b"\0\0\x08":  # two zero bytes, then 8 for unsigned bytes
        raise ValueError("no IDX header of unsigned bytes")
    header = 4 + 4 * raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(raw[3])]
    if len(raw) < header or len(raw) - header != math.prod(shape):
        raise ValueError(f"its header promises {math.prod(shape):,} bytes of shape "
                         f"{tuple(shape)}, but {max(0, len(raw) - header):,} follow")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)
