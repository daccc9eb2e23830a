"""The settings a learner chooses, with the labels the lesson uses."""

from __future__ import annotations

import streamlit as st

from fitlab import data, models
from fitlab import settings as choices
from fitlab.settings import Settings

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


def _learning_rate_label(rate: float) -> str:
    return f"{rate:g}"


def choose_settings(disabled: bool = False) -> tuple[Settings | None, data.DatasetInfo | None]:
    """Draw the controls; return the settings and the data set's description, or Nones with
    the problem shown when the chosen data set cannot be read."""
    default = Settings()
    offered = data.choices()
    _explain_link_problems(offered)
    dataset = st.selectbox(
        "Dataset", list(offered), format_func=offered.get, key="dataset", **KEEP,
        help="Shapes is made by Fit Lab and needs no internet. CIFAR-10 is the lesson's data "
        "set. Instructors can add .npz files to the data folder.",
    )
    left, right = st.columns(2)
    loss = left.selectbox("Loss function", list(choices.LOSSES), format_func=choices.LOSSES.get,
                          key="loss", **KEEP)
    optimizer = right.selectbox("Optimizer", list(choices.OPTIMIZERS),
                                format_func=choices.OPTIMIZERS.get, key="optimizer", **KEEP)
    learning_rate = st.select_slider(
        "Learning rate", choices.LEARNING_RATES, value=default.learning_rate,
        format_func=_learning_rate_label, key="learning_rate", **KEEP,
        help="Each step multiplies the rate by about 3. Adam's default is 0.001.",
    )
    left, right = st.columns(2)
    batch_size = left.select_slider("Batch size", choices.BATCH_SIZES, value=default.batch_size,
                                    key="batch_size", **KEEP)
    epochs = right.slider("Epochs", choices.MIN_EPOCHS, choices.MAX_EPOCHS, default.epochs,
                          key="epochs", **KEEP)
    left, right = st.columns(2)
    train_images = left.number_input(
        "Training images", choices.MIN_TRAIN_IMAGES, choices.MAX_TRAIN_IMAGES,
        default.train_images, step=500, key="train_images", **KEEP,
        help="How many images of the training set this run uses; 20 % of them are held out "
        "for validation. Fewer images train faster.",
    )
    seed = right.number_input("Seed", 0, 2**31 - 1, default.seed, key="seed", **KEEP,
                              help="The same seed and settings give the same run.")
    st.caption(LABEL_LINES[choices.LABEL_ENCODING[loss]])
    if dataset == data.CIFAR10 and not data.cifar10_is_cached():
        st.caption("CIFAR-10 is not on this server yet: the first run downloads it (170 MB).")
    try:
        source = data.resolve(dataset)
        info = describe(source)
    except data.DataError as error:
        st.error(str(error))
        return None, None
    settings = Settings(dataset=source, loss=loss, optimizer=optimizer,
                        learning_rate=learning_rate, batch_size=batch_size, epochs=epochs,
                        train_images=int(train_images), seed=int(seed))
    used = min(settings.train_images, info.train_size)
    if settings.train_images > info.train_size:
        st.caption(f"{info.title} has {info.train_size:,} training images; a run uses them all.")
    trained_on = used - max(1, round(used * choices.VALIDATION_FRACTION))
    if settings.batch_size > trained_on:
        st.caption(f"The batch size ({settings.batch_size}) is larger than the {trained_on:,} "
                   "images the run trains on, so each epoch is a single batch of them all.")
    return settings, info


def _explain_link_problems(offered: dict[str, str]) -> None:
    """Once per session, say which of the link's settings could not be used, and why."""
    if "link_problems" not in st.session_state:
        st.session_state.link_problems = choices.link_problems(
            st.query_params.to_dict(), offered.values())
    for problem in st.session_state.link_problems:
        st.warning(problem)


def show_model(info: data.DatasetInfo) -> None:
    """The lesson's CNN for this data set, as `model.summary()` would list it."""
    rows = models.layer_table(info.image_shape, info.num_classes)
    with st.expander(f"The model: the lesson's CNN, {sum(r.parameters for r in rows):,} "
                     "parameters"):
        # A Markdown table, as model.summary() prints one: no grid widget to load.
        st.markdown("\n".join(
            ["| Layer | Type | Output shape | Parameters |", "|---|---|---|---:|"]
            + [f"| {row.name} | {row.kind} | (None, {', '.join(map(str, row.output_shape))}) "
               f"| {row.parameters:,} |" for row in rows]
        ))
        height, width, channels = info.image_shape
        st.caption(
            f"Input: {height}x{width} pixels with {channels} colour channel"
            f"{'s' if channels > 1 else ''}; the last layer has one output per class "
            f"({info.num_classes}) and a softmax activation."
        )
