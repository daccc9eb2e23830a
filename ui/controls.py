"""The settings a learner chooses, with the labels the lesson uses, and what the page's
link asked for that could not be used.

This module owns the settings' widget keys in the session (`choose` sets them for a
scenario or an upload) and the link's notices (`forget_link_notices`)."""

from __future__ import annotations

import streamlit as st

from fitlab import data, downloads, images, models
from fitlab.links import (
    as_text, instructor_choices, link_problems, link_values, respelled, unreadable,
)
from fitlab.settings import (
    BATCH_SIZES, DROPOUT_RATES, LABEL_ENCODING, LEARNING_RATES, LOSSES, MAX_EPOCHS, MAX_SEED,
    MAX_TRAIN_IMAGES, METRICS, MIN_EPOCHS, MIN_TRAIN_IMAGES, OPTIMIZERS, VALIDATION_FRACTION,
    Settings, SettingsError, format_learning_rate,
)
from ui.state import learner_folder

# Every setting lives in the URL, so a link shares it; the binding also keeps the values
# when the learner visits another page and comes back.
KEEP = {"bind": "query-params"}
LABEL_LINES = {
    "one-hot": "Labels are encoded as one-hot vectors (class 3 → [0, 0, 0, 1, 0, …], one place "
    "per class), "
    "as categorical cross-entropy expects.",
    "integer": "Labels stay whole numbers (class 3 → 3), as sparse categorical cross-entropy "
    "expects.",
}


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
    _explain_link_problems(offered)
    instructor()
    by_title = {title: name for name, title in offered.items()}
    dataset = _control(
        "dataset", st.selectbox, "Dataset", list(offered), format_func=offered.get,
        help="Shapes is made by Fit Lab and needs no internet. CIFAR-10 is the lesson's data "
        "set; Fashion-MNIST and MNIST are small grayscale sets. Upload your own photos on "
        "*Look at the data*.", hidden_value=by_title.get(st.query_params.get("dataset"), data.SHAPES))
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
    _explain_unknown_classes(info)  # before the widget, which drops what it cannot use
    hidden, locked = instructor()
    if "classes" in hidden:
        linked = [name for name in st.query_params.get_all("classes")
                  if name in info.class_names]
        return tuple(linked), _linked("images_per_class", 0)
    chosen = [name for name in st.session_state.get("classes") or [] if name in info.class_names]
    label = (f"Classes ({len(chosen)} of {info.num_classes} chosen)" if chosen
             else f"Classes (all {info.num_classes})") + " and images per class"
    with st.expander(label):
        off = "classes" in locked
        if info.class_names == data.CIFAR10_CLASSES:
            st.button(f"The lesson's five: {', '.join(data.LESSON_FIVE)}",
                      on_click=_choose_lesson_five, disabled=off)
        classes = st.multiselect(
            "Classes", info.class_names, key="classes", placeholder="All classes", **KEEP,
            disabled=off,
            help="Train on some classes only; the model gets one output per chosen class.")
        images_per_class = st.number_input(
            "Images per class", 0, MAX_TRAIN_IMAGES, **_start("images_per_class"),
            step=100,
            key="images_per_class", **KEEP, disabled=off,
            help="At most this many training images of each class; 0 uses them all.")
    return tuple(name for name in classes if name in info.class_names), int(images_per_class)


def _explain_unknown_classes(info: data.DatasetInfo) -> None:
    """Once per session: the link's classes that this data set does not have, for
    link_notices."""
    if "class_link_problems" not in st.session_state:
        unknown = [name for name in st.query_params.get_all("classes")
                   if name not in info.class_names]
        st.session_state.class_link_problems = [
            f"The link asks for the class “{as_text(name)}”, which {info.title} does not "
            "have, so it was left out." for name in unknown]



def _choose_lesson_five() -> None:
    choose(classes=data.LESSON_FIVE)


def choose(**values) -> None:
    """Set controls, before their widgets are drawn, to these Settings values (a scenario's,
    an upload's data set); a list goes to its multiselect as a list."""
    for key, value in values.items():
        st.session_state[key] = list(value) if isinstance(value, tuple) else value


def choose_settings(lesson_bar, more) -> tuple[Settings | None, data.DatasetInfo | None]:
    """Draw the controls: the five the lesson is about in `lesson_bar`, the others in `more`.
    Return the settings and the data set's description, or Nones with the problem shown when
    the chosen data set or classes cannot be used."""
    # A link's ?learning_rate=1.0 or 1e-05, which the slider, reading only its own spelling
    # (1, 0.00001), would drop from the address: spelled so, before any control reads it
    # (on the session's first run: after it the controls write the address themselves).
    if "link_respelled" not in st.session_state:
        st.session_state.link_respelled = True
        # The link as it came, for its notices: a number too large for any control (inf)
        # leaves the address here, before a control can raise OverflowError reading it.
        st.session_state.link_as_opened = link = st.query_params.to_dict()
        respell, overflowing = respelled(link), unreadable(link)
        if respell or overflowing:
            st.query_params.update(respell)
            for key in overflowing:
                del st.query_params[key]
            st.rerun()
    with more:
        source, info = choose_dataset()
    with lesson_bar:
        loss = _control("loss", st.selectbox, "Loss function", list(LOSSES),
                        format_func=LOSSES.get, width=215)
        optimizer = _control("optimizer", st.selectbox, "Optimizer", list(OPTIMIZERS),
                             format_func=lambda key: OPTIMIZERS[key].label, width=120)
        learning_rate = _control(
            "learning_rate", st.select_slider, "Learning rate", LEARNING_RATES,
            **_start("learning_rate"), format_func=format_learning_rate, width=240,
            help="Each step multiplies the rate by about 3. Adam's default is 0.001.")
        batch_size = _control("batch_size", st.select_slider, "Batch size",
                              BATCH_SIZES, **_start("batch_size"), width=160)
        epochs = _control("epochs", st.slider, "Epochs", MIN_EPOCHS, MAX_EPOCHS,
                          **_start("epochs"), width=160)
    with more:
        train_images = _control(
            "train_images", st.number_input, "Training images", MIN_TRAIN_IMAGES,
            MAX_TRAIN_IMAGES, **_start("train_images"), step=500,
            help="How many images of the training set this run uses; 20 % of them are held "
            "out for validation. Fewer images train faster.")
        seed = _control("seed", st.number_input, "Seed", 0, MAX_SEED, **_start("seed"),
                        help="The same seed and settings give the same run.")
        st.caption(LABEL_LINES[LABEL_ENCODING[loss]])
        metrics = choose_metrics()
        model, dropout_rate, patience = choose_model_and_stopping()
        if info is None:
            return None, None
        classes, images_per_class = choose_classes(info)
    try:
        settings = Settings(dataset=source, loss=loss, optimizer=optimizer,
                            learning_rate=learning_rate, batch_size=batch_size, epochs=epochs,
                            train_images=int(train_images), seed=int(seed), classes=classes,
                            images_per_class=images_per_class, model=model,
                            dropout_rate=dropout_rate, patience=int(patience),
                            metrics=metrics)
    except SettingsError as error:
        st.warning(str(error))
        return None, info
    with more:
        _explain_sizes(settings, info)
    st.session_state.settings_read = settings  # for fixed_by_instructor, on the next run
    return settings, info


def fixed_by_instructor() -> dict[str, object]:
    """The settings of the controls the link hides or locks, as the page last read them: a
    learner cannot change them, so a scenario must not either (these never change within
    a session, so the last reading holds)."""
    hidden, locked = instructor()
    read = st.session_state.get("settings_read")
    return {} if read is None else {key: getattr(read, key) for key in hidden | locked}


def _start(key: str) -> dict:
    """The lesson's default as a widget's default, always, even when a scenario or the
    session holds its value (which Streamlit then shows): a widget bound to the address
    leaves out of the link the value equal to its default, which without this is its first
    choice, so a learning rate of 0.00001 or one epoch was lost on a reload. (Streamlit's
    log warning for a widget given both is switched off in .streamlit/config.toml.)"""
    return {"value": getattr(Settings(), key)}


def choose_metrics() -> tuple[str, ...]:
    """Metrics charted besides accuracy, which every run reports."""
    by_label = {label: name for name, label in METRICS.items()}
    linked = tuple(by_label[label] for label in st.query_params.get_all("metrics")
                   if label in by_label)
    chosen = _control(
        "metrics", st.multiselect, "Metrics", list(METRICS),
        format_func=METRICS.get, placeholder="Accuracy only", hidden_value=linked,
        help="Accuracy is always reported. Each metric chosen here gets a chart of its own, "
        "for training and validation. Precision, recall and F1 need one-hot labels.")
    return tuple(chosen)


def choose_model_and_stopping() -> tuple[str, float, int]:
    """The lesson's first CNN or its dropout model, the dropout rate, and early stopping."""
    model = _control("model", st.selectbox, "Model", list(models.MODELS),
                     format_func=lambda key: models.MODELS[key].label,
                     help="The dropout model is the lesson's answer to overfitting.")
    dropout_rate = _linked("dropout_rate")
    if models.MODELS[model].has_dropout:
        dropout_rate = _control(
            "dropout_rate", st.select_slider, "Dropout rate", DROPOUT_RATES,
            **_start("dropout_rate"),
            help="The share of the third layer's outputs switched off at random at each "
            "training step.")
    patience = _control(
        "patience", st.number_input, "Early stopping: patience", 0, MAX_EPOCHS,
        **_start("patience"),
        help="Stop once the validation loss has not improved for this many epochs, and keep "
        "the weights of its best epoch. 0 trains every epoch.")
    return model, dropout_rate, patience


def instructor() -> tuple[set[str], set[str]]:
    """The controls the link hides and those it locks (?hide=optimizer&lock=learning_rate),
    read once per session."""
    if "instructor" not in st.session_state:
        hidden, locked, _ = instructor_choices(st.query_params.to_dict())
        st.session_state.instructor = (hidden, locked)
    return st.session_state.instructor


LOCKED = "Set by your instructor for this session: it cannot be changed here."


def _control(key: str, widget, label: str, *args, hidden_value=None, **options):
    """Draw one control, kept in the page's address. When the link locks it, it is greyed
    out under a lock. When the link hides it, draw nothing and use the link's value for it,
    else the lesson's default; a hidden control takes no room."""
    hidden, locked = instructor()
    if key in hidden:
        return hidden_value if hidden_value is not None else _linked(key)
    if key in locked:
        label, options["help"], options["disabled"] = f":material/lock: {label}", LOCKED, True
        label += " · set by your instructor"
        if isinstance(options.get("width"), int):  # room for the words
            options["width"] = max(options["width"], 270)
    return widget(label, *args, key=key, **KEEP, **options)


def _linked(key: str, default=None):
    fallback = getattr(Settings(), key) if default is None else default
    return link_values(st.query_params.to_dict()).get(key, fallback)


def _explain_sizes(settings: Settings, info: data.DatasetInfo) -> None:
    available = data.images_available(info, settings.classes, settings.images_per_class)
    used = min(settings.train_images, available)
    if settings.train_images > available:
        offer = ("The chosen classes offer" if settings.classes or settings.images_per_class
                 else f"{info.title} has")
        st.caption(f"{offer} {available:,} training images; a run uses them all.")
    trained_on = used - max(1, round(used * VALIDATION_FRACTION))
    if settings.batch_size > trained_on:
        st.caption(f"The batch size ({settings.batch_size}) is larger than the {trained_on:,} "
                   "images the run trains on, so each epoch is a single batch of them all.")


def _explain_link_problems(offered: dict[str, str]) -> None:
    """Once per session, which of the link's settings could not be used, and why, for
    link_notices."""
    if "link_problems" not in st.session_state:
        link = st.session_state.get("link_as_opened") or st.query_params.to_dict()
        _, _, instructor_problems = instructor_choices(link)
        st.session_state.link_problems = link_problems(
            link, offered.values()) + instructor_problems


def forget_link_notices() -> None:
    """The link was read once; once a run starts, the run speaks for itself."""
    st.session_state.link_problems = st.session_state.class_link_problems = []


MOST_NOTICES = 5  # a link with a thousand bad values gets six notices, not a thousand


def link_notices() -> None:
    """What the link asked for that could not be used, where the learner looks first (the
    controls that read the link may be in a hidden tab)."""
    problems = (st.session_state.get("link_problems", [])
                + st.session_state.get("class_link_problems", []))
    for problem in problems[:MOST_NOTICES]:
        st.warning(problem)
    if len(problems) > MOST_NOTICES:
        st.warning(f"And {len(problems) - MOST_NOTICES:,} more of the link's values could not "
                   "be used.")
