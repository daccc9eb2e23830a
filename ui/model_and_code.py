"""The Train page's Model and Code menus: the lesson's CNN as `model.summary()` lists it,
and the current settings as plain Keras code."""

from __future__ import annotations

import streamlit as st

from fitlab import data, export, models
from fitlab.settings import Settings


def show_model(info: data.DatasetInfo, settings: Settings | None) -> None:
    """The lesson's CNN for this data set, as `model.summary()` would list it."""
    num_classes = len(settings.classes) if settings and settings.classes else info.num_classes
    model = settings.model if settings else models.INTRO
    rows = models.layer_table(info.image_shape, num_classes, model)
    st.markdown(f"**The model:** {models.MODELS[model].name}, "
                f"{sum(r.parameters for r in rows):,} parameters")
    # A Markdown table, as model.summary() prints one: no grid widget to load.
    st.markdown("\n".join(
        ["| Layer | Type | Output shape | Parameters |", "|---|---|---|---:|"]
        + [f"| {row.name} | {row.kind} | (None, {', '.join(map(str, row.output_shape))}) "
           f"| {row.parameters:,} |" for row in rows]
    ))
    st.caption(model_fit_note(info, num_classes))


def model_fit_note(info: data.DatasetInfo, num_classes: int) -> str:
    """How the model's input and output follow the data, and what differs from the lesson."""
    height, width, channels = info.image_shape
    kind = "grayscale, 1 channel" if channels == 1 else f"colour, {channels} channels"
    note = (f"Input: {height}x{width} pixels ({kind}); the last layer has one output per "
            f"class ({num_classes}) and a softmax activation.")
    if info.image_shape != models.LESSON_INPUT_SHAPE:
        note += (f" The lesson's model takes 32x32 colour photos; Fit Lab sets the input to "
                 f"{info.title}'s {height}x{width}x{channels} for you, so the layer sizes "
                 "and parameter counts differ from the lesson's.")
    return note


def show_code(settings: Settings) -> None:
    """This run as plain Keras code, to copy or download and run outside Fit Lab."""
    code = export.keras_code(settings)
    st.caption("Everything Fit Lab does for this run, from loading the data to `fit`. "
               "It needs only NumPy and Keras, and with the same seed it gives the same "
               "numbers. Copy it with the button at the code's top right, or download it.")
    st.download_button("Download fitlab_run.py", code, "fitlab_run.py", "text/x-python",
                       icon=":material/download:")
    st.code(code, language="python", wrap_lines=True)
