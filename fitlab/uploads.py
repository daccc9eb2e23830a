"""A learner's uploaded photos: read in the server's reader threads, written as an `.npz`
whole or not at all, and kept within a bound per learner. Knows nothing of Streamlit: the
data page (ui/data_view.py) shows the progress and the outcome."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pathlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from fitlab import compare, images, store
from fitlab.errors import DataError

# Uploads read at once on the whole server, each in a reader thread, so that a workshop
# uploading together keeps two cores busy, not all of them; a third upload waits its turn,
# and its page says so. Pillow decodes, converts and resizes without Python's lock, but the
# Python around it holds the lock: while 10,000 tiny files are read, the server's event loop
# answers up to 60 ms late (a 25-megapixel PNG: 15 to 40 ms; idle: 3 to 20 ms on the shared
# 2-core machine; docs/reliability.md).
MAX_READS_AT_ONCE = 2
# Uploads kept for one learner, on disk and in their list of data sets: the one in use, the
# one before it and one more to compare. The oldest is removed to make room (never one that a
# run of theirs is waiting for or training on). Each is at most 31 MB (10,000 photos of
# 32x32x3 bytes), so the count bounds a learner's disk to about 94 MB; MAX_KEPT_BYTES says so
# in bytes too, in case the per-upload bound ever grows.
MAX_KEPT_UPLOADS = 3
MAX_KEPT_BYTES = 100 * 1024 * 1024
NAME_CHARACTERS = 40  # of an upload's name, as the page shows it and as its file is named


def shown_name(filename: str) -> str:
    """An upload's name as the page shows it and its link carries it: at most
    NAME_CHARACTERS before ".zip", of letters, digits, spaces and - _ ( ) , + only, so that
    no name is read as Markdown (a link, an image, a www. address) wherever it is shown."""
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if stem.lower().endswith(".zip"):
        stem = stem[:-4]
    stem = re.sub(r"_+", "_", "".join(char if char.isalnum() or char in " -_(),+" else "_"
                                      for char in stem)).strip(" _") or "photos"
    if len(stem) > NAME_CHARACTERS:
        stem = stem[:NAME_CHARACTERS].rstrip(" _") + "…"
    if stem.lower().endswith("www"):  # "www.zip" is an address Markdown links by itself
        stem += "_"
    return f"{stem}.zip"


def file_name(name: str, digest: str) -> str:
    """The upload's file: its name in plain ASCII, cut short, and its content's hash, so a
    new upload under an old name is a new file and nothing cached for the old one is used."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name.removesuffix(".zip"))[:NAME_CHARACTERS]
    return f"upload-{stem.strip('-') or 'photos'}-{digest[:16]}.npz"


@functools.cache
def readers() -> ThreadPoolExecutor:
    """The server's upload readers, MAX_READS_AT_ONCE threads shared by every session."""
    return ThreadPoolExecutor(MAX_READS_AT_ONCE, thread_name_prefix="fitlab-upload")


class Reading:
    """One upload being read in a reader thread, and how far it has got."""

    def __init__(self, name: str, payload: bytes):
        self.name = name
        self.digest = hashlib.sha256(payload).hexdigest()
        self.read, self.total, self.started = 0, 0, False
        self.stopped = threading.Event()
        self.future = readers().submit(self._run, payload)

    def _run(self, payload: bytes) -> images.ImageSet:
        self.started = True
        return images.read_zip(payload, self.name, progress=self._heard)

    def _heard(self, read: int, total: int) -> None:
        self.read, self.total = read, total
        if self.stopped.is_set():
            raise DataError(f"{self.name} was replaced by a newer upload.")

    def stop(self) -> None:
        self.stopped.set()
        self.future.cancel()  # if it is still waiting for a reader

    def label(self) -> str:
        if not self.started:
            return (f"{self.name} waits for other uploads to be read: the server reads "
                    f"{MAX_READS_AT_ONCE} at a time…")
        if not self.total:
            return f"Reading {self.name}…"
        return f"Reading {self.name}: {self.read:,} of {self.total:,} photos…"

    def keep(self, folder: pathlib.Path, in_use: set[pathlib.Path]) -> tuple[bool, str]:
        """Once read: write the photos into the learner's `folder`, remove what they replace
        and what no longer fits (never a data set in `in_use`), and return (kept, the
        sentence that says so or why not)."""
        try:
            photos = self.future.result()
        except DataError as error:
            return False, str(error)
        except Exception:  # Pillow or zipfile on a file no test has tried: a sentence, the log
            logging.getLogger("fitlab").exception("reading the upload %s failed", self.name)
            return False, (f"Fit Lab could not read {self.name}. Zip the class folders again "
                           "with your computer's own zip tool, or try other photos.")
        path = folder / file_name(self.name, self.digest)
        root = folder.parent.parent  # the run store's folder (fitlab.store.folder_of)
        if folder.parent.name == "learners" and not store.has_room(root, photos.x.nbytes):
            return False, (
                f"The server has no room to keep {self.name}: its store is full with what "
                "today's learners keep, and nothing of theirs is removed to make room. Ask "
                "your instructor, or upload fewer photos.")
        try:
            save(path, photos, self.name)
        except OSError as error:
            return False, (f"Fit Lab could not keep {self.name} on the server "
                           f"({error.strerror or 'the disk refused it'}). Ask your instructor.")
        removed = keep_latest(folder, path, in_use)
        return True, (
            f"{self.name}: {photos.summary()} It is now the chosen data set, on this page and "
            "on Compile and train, in this browser only." + (
                f" To make room, Fit Lab removed {compare.listed(removed)}: it keeps your "
                f"{MAX_KEPT_UPLOADS} latest uploads." if removed else ""))


def gone(dataset: str) -> str:
    """Why a run on `dataset` cannot train again, when it was an upload the learner no longer
    keeps (a fourth upload removed it); "" otherwise. Said before the run is queued, in the
    words of an upload, never its path on the server (which names the learner's id)."""
    path = pathlib.Path(dataset)
    match = re.fullmatch(r"upload-(.*)-[0-9a-f]{16}\.npz", path.name)
    if match is None or path.is_file():
        return ""
    return (f"The photos this run trained on ({match[1]}.zip) are no longer kept: Fit Lab "
            f"keeps your {MAX_KEPT_UPLOADS} latest uploads. Upload them again on the Data page "
            "to train on them.")


def save(path: pathlib.Path, photos: images.ImageSet, name: str) -> None:
    """Write the photos as an .npz whole or not at all: a half-written file is never read."""
    partial = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)  # a learner's first upload makes it
    no_test = np.zeros((0, *photos.x.shape[1:]), np.uint8)
    try:
        with open(partial, "wb") as file:
            np.savez(file, x_train=photos.x, y_train=photos.y, x_test=no_test,
                     y_test=np.zeros(0, np.int64), class_names=np.array(photos.class_names),
                     title=np.array(name))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def keep_latest(folder: pathlib.Path, newest: pathlib.Path,
                in_use: set[pathlib.Path]) -> list[str]:
    """Remove the uploads the newest replaces (those of the same name), then the learner's
    oldest beyond MAX_KEPT_UPLOADS and MAX_KEPT_BYTES; never the newest, nor one in `in_use`
    (that a run of theirs waits for or trains on). Return the names of those removed to make
    room."""
    kept = images.uploads_in(folder)
    name = next((name for path, name, _ in kept if path == newest), None)
    count, total, removed = 0, 0, []
    for path, title, size in sorted(kept, key=lambda upload: upload[0] != newest):
        if path == newest or path in in_use or (
                title != name and count < MAX_KEPT_UPLOADS and total + size <= MAX_KEPT_BYTES):
            count, total = count + 1, total + size
            continue
        path.unlink(missing_ok=True)
        if title != name:
            removed.append(title)
    return removed
