"""The data page's parts: a look at a data set, and uploading your own photos (read and kept
by fitlab.uploads; this module shows the progress and the outcome)."""

from __future__ import annotations

import pathlib
import time

import numpy as np
import streamlit as st

from fitlab import compare, config, data, downloads, images, uploads
from fitlab.links import as_text
from ui.dataset_controls import uploaded
from ui.link_controls import choose
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
    from fitlab import page_charts  # Altair: imported when a chart is drawn, not at start-up

    counts = np.bincount(y_train, minlength=len(class_names))
    # Room for every class's name: Vega hides every other label once two would touch. In
    # Chromium, CIFAR-10's ten names all showed at 280 px and half were hidden at 270 px (the
    # old 26 px a class); 70 px for the axis and 24 a class give 310 px, and 262 for Shapes.
    st.altair_chart(page_charts.class_counts_chart(class_names, counts), key="class_counts",
                    height=CHART_AXIS_PX + CHART_PX_PER_CLASS * len(class_names))
    st.caption("A class with far fewer images than the others is learnt less well: the "
               "network can lower the loss most by getting the big classes right.")


def _sample_grid(x_train, y_train, class_names) -> None:
    if st.button("Show other images"):
        st.session_state.sample_draw = st.session_state.get("sample_draw", 0) + 1
    rng = np.random.default_rng(st.session_state.get("sample_draw", 0))
    chosen = rng.choice(len(x_train), size=min(SAMPLES, len(x_train)), replace=False)
    pictures = [x_train[index].squeeze() for index in chosen]  # grayscale: drop the channel
    names = [class_names[y_train[index]] for index in chosen]
    # The caption is drawn beside the picture; `alt` is what a screen reader says for it.
    st.image(pictures, caption=names, alt=[f"A training image of class {name}" for name in names],
             width=84)


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




def upload_photos() -> None:
    """A zip of class folders, read in memory and kept in this session's private folder."""
    st.file_uploader(
        "Upload a .zip of class folders (cat/1.jpg, cat/2.jpg, dog/1.jpg, …)", type="zip",
        key="photo_zip", on_change=_start_reading,
        help=f"At least {images.MIN_IMAGES_PER_CLASS} photos per class and two classes, at "
        f"most {images.MAX_UPLOAD_FILES:,} photos of up to "
        f"{images.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels each. Photos of any size are resized "
        f"to 32x32; files that are not photos are skipped. Your {uploads.MAX_KEPT_UPLOADS} latest "
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


def _start_reading() -> None:
    """Runs before the page is drawn: hand the new upload to a reader thread."""
    previous = st.session_state.pop("upload_reading", None)
    if previous is not None:  # a newer upload, or none, replaces the one being read
        previous.stop()
    file = st.session_state.get("photo_zip")
    if file is not None:
        st.session_state.upload_reading = uploads.Reading(uploads.shown_name(file.name),
                                                          file.getvalue())


def _finish_reading(reading: uploads.Reading) -> None:
    """Show the reading's progress until it is done, then keep the photos and choose them.
    A rerun meanwhile (the learner clicked something) leaves the reading going; the next run
    of the page waits for it again."""
    box = st.empty()
    status = box.status(reading.label(), state="running")
    while not reading.future.done():
        time.sleep(config.POLL_SECONDS)
        status.update(label=reading.label())
    box.empty()
    if st.session_state.get("upload_reading") is reading:
        del st.session_state.upload_reading
    job = current_job()  # the upload its run waits for or trains on is never removed
    in_use = {pathlib.Path(job.settings.dataset)} if job is not None and job.history.active \
        else set()
    kept, message = reading.keep(learner_folder(), in_use)
    if kept:
        choose(dataset=reading.name)
    st.session_state.upload_outcome = ("ok" if kept else "error", message)


def _show_kept() -> None:
    """Which uploads the server keeps for this learner, and how much room they take."""
    kept = images.uploads_in(learner_folder())
    if kept:
        st.caption(as_text(
            f"Kept on the server for you: {compare.listed([name for _, name, _ in kept])} "
            f"({sum(size for _, _, size in kept) / 1e6:.1f} MB). Fit Lab keeps your "
            f"{uploads.MAX_KEPT_UPLOADS} latest uploads and removes the oldest to make room.",
            limit=2000))
