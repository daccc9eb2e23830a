"""The data set's controls: which data set (the built-in ones, the data folder's, the
learner's uploads), which of its classes and how many images of each, and what the chosen
sizes mean for a run. The Train page and the data page draw them."""

from __future__ import annotations

import streamlit as st

from fitlab import data, downloads, images
from fitlab.links import as_text
from fitlab.settings import Settings
from ui.link_controls import (
    KEEP,
    bounds,
    choose,
    control,
    explain_link_problems,
    explain_unknown_classes,
    instructor,
    linked,
    start,
)
from ui.state import learner_folder


@st.cache_data(show_spinner="Reading the data set…", max_entries=16)
def describe(name: str) -> data.DatasetInfo:
    return data.describe(name)


def uploaded() -> dict[str, str]:
    """The learner's uploaded photo sets, {name: .npz path in their private folder}: read
    from the folder, so that they are there after a reload or a restart."""
    return {name: str(path) for path, name, _ in reversed(images.uploads_in(learner_folder()))}


def choose_dataset() -> tuple[str | None, data.DatasetInfo | None]:
    """The Dataset control; return what to load and its description, or Nones with the
    problem shown when the chosen data set cannot be read."""
    uploads = uploaded()  # read from the learner's folder: once a run of the page
    offered = {**data.choices(), **{name: f"{name} (your upload)" for name in uploads}}
    explain_link_problems(offered.values())
    instructor()
    by_title = {title: name for name, title in offered.items()}
    dataset = control(
        "dataset", st.selectbox, "Dataset", list(offered), format_func=offered.get,
        help="Shapes is made by Fit Lab and needs no internet. CIFAR-10 is the lesson's data "
        "set; Fashion-MNIST and MNIST are small grayscale sets. Upload your own photos on "
        "*Look at the data*.",
        hidden_value=by_title.get(st.query_params.get("dataset"), data.SHAPES))
    if not data.is_cached(dataset):
        st.caption(f"{data.title(dataset)} is not on this server yet: the first run downloads "
                   f"it ({downloads.download_megabytes(dataset):.0f} MB).")
    try:
        source = uploads.get(dataset) or data.resolve(dataset)
        info = describe(source)
    except data.DataError as error:
        st.error(str(error))
        return None, None
    if info.note:  # it names the folder's class folders and skipped files
        st.caption(as_text(info.note, limit=2000))
    return source, info


def choose_classes(info: data.DatasetInfo) -> tuple[tuple[str, ...], int]:
    """Which classes to train on and how many images of each; () and 0 mean all."""
    explain_unknown_classes(info)  # before the widget, which drops what it cannot use
    hidden, locked = instructor()
    if "classes" in hidden:
        linked_classes = [name for name in st.query_params.get_all("classes")
                          if name in info.class_names]
        return tuple(linked_classes), linked("images_per_class", 0)
    chosen = [name for name in st.session_state.get("classes") or [] if name in info.class_names]
    label = (f"Classes ({len(chosen)} of {info.num_classes} chosen)" if chosen
             else f"Classes (all {info.num_classes})") + " and images per class"
    lesson_classes = next((dataset.lesson_classes for dataset in data.BUILT_IN.values()
                           if dataset.class_names == info.class_names), ())
    with st.expander(label):
        off = "classes" in locked
        if lesson_classes:
            st.button(f"The lesson's five: {', '.join(lesson_classes)}",
                      on_click=choose, kwargs={"classes": lesson_classes}, disabled=off)
        classes = st.multiselect(
            "Classes", info.class_names, key="classes", placeholder="All classes", **KEEP,
            disabled=off,
            help="Train on some classes only; the model gets one output per chosen class.")
        images_per_class = st.number_input(
            "Images per class", *bounds("images_per_class"), **start("images_per_class"),
            step=100,
            key="images_per_class", **KEEP, disabled=off,
            help="At most this many training images of each class; 0 uses them all.")
    return tuple(name for name in classes if name in info.class_names), int(images_per_class)


def explain_sizes(settings: Settings, info: data.DatasetInfo) -> None:
    """What the chosen sizes mean for a run: fewer images than asked for, one batch an
    epoch."""
    available = data.images_available(info, settings.classes, settings.images_per_class)
    used = min(settings.train_images, available)
    if settings.train_images > available:
        offer = ("The chosen classes offer" if settings.classes or settings.images_per_class
                 else f"{info.title} has")
        st.caption(f"{offer} {available:,} training images; a run uses them all.")
    trained_on = used - max(1, round(used * data.VALIDATION_FRACTION))
    if settings.batch_size > trained_on:
        st.caption(f"The batch size ({settings.batch_size}) is larger than the {trained_on:,} "
                   "images the run trains on, so each epoch is a single batch of them all.")
