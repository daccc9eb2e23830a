"""The data page's parts: a look at a data set, and uploading your own photos."""

from __future__ import annotations

import hashlib
import logging
import os
import pathlib
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import streamlit as st

from fitlab import compare, data, downloads, images
from fitlab.links import as_text
from ui.controls import choose, uploaded
from ui.state import current_job, dataset_arrays, learner_folder

SAMPLES = 18
CHART_AXIS_PX, CHART_PX_PER_CLASS = 70, 24  # the bar chart of images per class


def show(source: str, info: data.DatasetInfo) -> None:
    """Samples, counts, shape, value range and normalisation of the chosen data set."""
    if not data.is_cached(source):
        _offer_download(source)
        return
    x_train, y_train, x_test, _, class_names = dataset_arrays(source)
    first, second, third, fourth = st.columns(4)
    first.metric("Training images", f"{len(x_train):,}")
    second.metric("Test images", f"{len(x_test):,}")
    third.metric("Image shape", " x ".join(map(str, x_train.shape[1:])))
    fourth.metric("Classes", len(class_names))
    height, width, channels = x_train.shape[1:]
    st.markdown(
        f"Each image is {height}x{width} pixels with {channels} channel"
        f"{'s (red, green, blue)' if channels == 3 else ' (grayscale)'}, stored as "
        f"`{x_train.dtype}` values from {x_train.min()} to {x_train.max()}. "
        + ("**Before training, Fit Lab divides every pixel by 255**, so the network sees "
           "numbers from 0 to 1, as the lesson does; large inputs would make the first "
           "steps of training jump about." if x_train.dtype == np.uint8 else
           "These are already floating-point numbers, so Fit Lab passes them on as they are.")
        + f" Held in memory once for everyone on this server: "
          f"{(x_train.nbytes + x_test.nbytes) / 1e6:.{0 if x_train.nbytes > 1e7 else 2}f} MB."
    )
    st.subheader("Sample images")
    _sample_grid(x_train, y_train, class_names)
    st.subheader("Images per class")
    from fitlab import charts  # Altair: imported when a chart is drawn, not at start-up

    counts = np.bincount(y_train, minlength=len(class_names))
    # Room for every class's name: Vega hides every other label once two would touch. In
    # Chromium, CIFAR-10's ten names all showed at 280 px and half were hidden at 270 px (the
    # old 26 px a class); 70 px for the axis and 24 a class give 310 px, and 262 for Shapes.
    st.altair_chart(charts.class_counts_chart(class_names, counts), key="class_counts",
                    height=CHART_AXIS_PX + CHART_PX_PER_CLASS * len(class_names))
    st.caption("A class with far fewer images than the others is learnt less well: the "
               "network can lower the loss most by getting the big classes right.")


def _sample_grid(x_train, y_train, class_names) -> None:
    if st.button("Show other images"):
        st.session_state.sample_draw = st.session_state.get("sample_draw", 0) + 1
    rng = np.random.default_rng(st.session_state.get("sample_draw", 0))
    chosen = rng.choice(len(x_train), size=min(SAMPLES, len(x_train)), replace=False)
    pictures = [x_train[index].squeeze() for index in chosen]  # grayscale: drop the channel
    st.image(pictures, caption=[class_names[y_train[index]] for index in chosen], width=84)


def _offer_download(source: str) -> None:
    st.info(f"{data.title(source)} is not on this server yet. The first training run "
            "downloads it, or you can download it now.")
    if st.button(f"Download {data.title(source)}"):
        bar = st.progress(0.0, text="Connecting…")

        def report(title: str, done: int, total: int | None) -> None:
            bar.progress(min(1.0, done / total) if total else 0.0,
                         text=downloads.progress_text(title, done, total))

        try:
            data.fetch(source, progress=report)
        except data.DataError as error:
            bar.empty()
            st.error(str(error))
            return
        st.rerun()


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
POLL_SECONDS = 0.25  # how often the page redraws the progress of a reading


def upload_photos() -> None:
    """A zip of class folders, read in memory and kept in this session's private folder."""
    st.file_uploader(
        "Upload a .zip of class folders (cat/1.jpg, cat/2.jpg, dog/1.jpg, …)", type="zip",
        key="photo_zip", on_change=_start_reading,
        help=f"At least {images.MIN_IMAGES_PER_CLASS} photos per class and two classes, at "
        f"most {images.MAX_UPLOAD_FILES:,} photos of up to "
        f"{images.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels each. Photos of any size are resized "
        f"to 32x32; files that are not photos are skipped. Your {MAX_KEPT_UPLOADS} latest "
        "uploads are kept.")
    reading = st.session_state.get("upload_reading")
    if reading is not None:
        _finish_reading(reading)
    outcome = st.session_state.pop("upload_outcome", None)
    if outcome:
        kind, message = outcome
        # The message quotes the zip's own names (its folders and files): shown as the
        # characters they are, never as a link, an image or formatting.
        (st.success if kind == "ok" else st.error)(as_text(message, limit=2000))
    if uploaded():
        _show_kept()


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


def _file_name(name: str, digest: str) -> str:
    """The upload's file: its name in plain ASCII, cut short, and its content's hash, so a
    new upload under an old name is a new file and nothing cached for the old one is used."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name.removesuffix(".zip"))[:NAME_CHARACTERS]
    return f"upload-{stem.strip('-') or 'photos'}-{digest[:16]}.npz"


@st.cache_resource(show_spinner=False)
def _readers() -> ThreadPoolExecutor:
    """The server's upload readers, MAX_READS_AT_ONCE threads shared by every session."""
    return ThreadPoolExecutor(MAX_READS_AT_ONCE, thread_name_prefix="fitlab-upload")


class _Reading:
    """One upload being read in a reader thread, and how far it has got."""

    def __init__(self, name: str, payload: bytes):
        self.name = name
        self.digest = hashlib.sha256(payload).hexdigest()
        self.read, self.total, self.started = 0, 0, False
        self.stopped = threading.Event()
        self.future = _readers().submit(self._run, payload)

    def _run(self, payload: bytes) -> images.ImageSet:
        self.started = True
        return images.read_zip(payload, self.name, progress=self._heard)

    def _heard(self, read: int, total: int) -> None:
        self.read, self.total = read, total
        if self.stopped.is_set():
            raise data.DataError(f"{self.name} was replaced by a newer upload.")

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


def _start_reading() -> None:
    """Runs before the page is drawn: hand the new upload to a reader thread."""
    previous = st.session_state.pop("upload_reading", None)
    if previous is not None:  # a newer upload, or none, replaces the one being read
        previous.stop()
    file = st.session_state.get("photo_zip")
    if file is not None:
        st.session_state.upload_reading = _Reading(shown_name(file.name), file.getvalue())


def _finish_reading(reading: _Reading) -> None:
    """Show the reading's progress until it is done, then keep the photos and choose them.
    A rerun meanwhile (the learner clicked something) leaves the reading going; the next run
    of the page waits for it again."""
    box = st.empty()
    status = box.status(reading.label(), state="running")
    while not reading.future.done():
        time.sleep(POLL_SECONDS)
        status.update(label=reading.label())
    box.empty()
    if st.session_state.get("upload_reading") is reading:
        del st.session_state.upload_reading
    try:
        photos = reading.future.result()
    except data.DataError as error:
        st.session_state.upload_outcome = ("error", str(error))
        return
    except Exception:  # Pillow or zipfile on a file no test has tried: a sentence, and the log
        logging.getLogger("fitlab").exception("reading the upload %s failed", reading.name)
        st.session_state.upload_outcome = (
            "error", f"Fit Lab could not read {reading.name}. Zip the class folders again with "
            "your computer's own zip tool, or try other photos.")
        return
    folder = _upload_folder()
    path = folder / _file_name(reading.name, reading.digest)
    try:
        _save(path, photos, reading.name)
    except OSError as error:
        st.session_state.upload_outcome = (
            "error", f"Fit Lab could not keep {reading.name} on the server "
            f"({error.strerror or 'the disk refused it'}). Ask your instructor.")
        return
    removed = _keep_latest(folder, path)
    choose(dataset=reading.name)
    st.session_state.upload_outcome = (
        "ok", f"{reading.name}: {photos.summary()} It is now the chosen data set, on this page "
        "and on Compile and train, in this browser only." + (
            f" To make room, Fit Lab removed {compare.listed(removed)}: it keeps your "
            f"{MAX_KEPT_UPLOADS} latest uploads." if removed else ""))


def _upload_folder() -> pathlib.Path:
    """Where this learner's uploads are kept: the one place that says so."""
    return learner_folder()


def _save(path: pathlib.Path, photos: images.ImageSet, name: str) -> None:
    """Write the photos as an .npz whole or not at all: a half-written file is never read."""
    partial = path.with_name(path.name + ".part")
    no_test = np.zeros((0, *photos.x.shape[1:]), np.uint8)
    try:
        with open(partial, "wb") as file:
            np.savez(file, x_train=photos.x, y_train=photos.y, x_test=no_test,
                     y_test=np.zeros(0, np.int64), class_names=np.array(photos.class_names),
                     title=np.array(name))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _keep_latest(folder: pathlib.Path, newest: pathlib.Path) -> list[str]:
    """Remove the uploads the newest replaces (those of the same name), then the learner's
    oldest beyond MAX_KEPT_UPLOADS and MAX_KEPT_BYTES; never the newest, nor one that a run
    of theirs waits for or trains on. Return the names of those removed to make room."""
    job = current_job()
    in_use = {pathlib.Path(job.settings.dataset)} if job is not None and job.history.active \
        else set()
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


def _show_kept() -> None:
    """Which uploads the server keeps for this learner, and how much room they take."""
    kept = images.uploads_in(_upload_folder())
    if kept:
        st.caption(as_text(
            f"Kept on the server for you: {compare.listed([name for _, name, _ in kept])} "
            f"({sum(size for _, _, size in kept) / 1e6:.1f} MB). Fit Lab keeps your "
            f"{MAX_KEPT_UPLOADS} latest uploads and removes the oldest to make room.",
            limit=2000))
