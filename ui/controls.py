"""The settings a learner chooses, with the labels the lesson uses: the five the lesson is
about in the settings bar, the others in the More settings tab. Each control is made with
`link_controls.control`, so that it is bound to the page's link and an instructor can hide or
lock it; the data set's controls are `dataset_controls`."""

from __future__ import annotations

import streamlit as st

from fitlab import models
from fitlab.settings import LABEL_ENCODING, Settings, SettingsError, format_learning_rate
from ui.dataset_controls import choose_classes, choose_dataset, explain_sizes
from ui.link_controls import (
    bounds,
    control,
    instructor,
    labels,
    linked,
    offered,
    respell_link,
    start,
)

LABEL_LINES = {
    "one-hot": "Labels are encoded as one-hot vectors (class 3 → [0, 0, 0, 1, 0, …], one place "
    "per class), "
    "as categorical cross-entropy expects.",
    "integer": "Labels stay whole numbers (class 3 → 3), as sparse categorical cross-entropy "
    "expects.",
}


def choose_settings(lesson_bar, more):
    """Draw the controls: the five the lesson is about in `lesson_bar`, the others in `more`.
    Return the settings and the data set's description, or Nones with the problem shown when
    the chosen data set or classes cannot be used."""
    respell_link()  # before any control reads the link
    values = {}  # a field of Settings for each control, by the field's name
    with more:
        values["dataset"], info = choose_dataset()
    with lesson_bar:
        values["loss"] = control("loss", st.selectbox, "Loss function", list(labels("loss")),
                                 format_func=labels("loss").get, width=215)
        values["optimizer"] = control(
            "optimizer", st.selectbox, "Optimizer", list(labels("optimizer")),
            format_func=labels("optimizer").get, width=120)
        values["learning_rate"] = control(
            "learning_rate", st.select_slider, "Learning rate", offered("learning_rate"),
            **start("learning_rate"), format_func=format_learning_rate, width=240,
            help="Each step multiplies the rate by about 3. Adam's default is 0.001.")
        values["batch_size"] = control("batch_size", st.select_slider, "Batch size",
                                       offered("batch_size"), **start("batch_size"), width=160)
        values["epochs"] = control("epochs", st.slider, "Epochs", *bounds("epochs"),
                                   **start("epochs"), width=160)
    with more:
        values["train_images"] = int(control(
            "train_images", st.number_input, "Training images", *bounds("train_images"),
            **start("train_images"), step=500,
            help="How many images of the training set this run uses; 20 % of them are held "
            "out for validation. Fewer images train faster."))
        values["seed"] = int(control("seed", st.number_input, "Seed", *bounds("seed"),
                                     **start("seed"),
                                     help="The same seed and settings give the same run."))
        st.caption(LABEL_LINES[LABEL_ENCODING[values["loss"]]])
        values["metrics"] = choose_metrics()
        values.update(choose_model_and_stopping())
        if info is None:
            return None, None
        values["classes"], values["images_per_class"] = choose_classes(info)
    try:
        settings = Settings(**values)
    except SettingsError as error:
        st.warning(str(error))
        return None, info
    with more:
        explain_sizes(settings, info)
    st.session_state.settings_read = settings  # for fixed_by_instructor, on the next run
    return settings, info


def fixed_by_instructor() -> dict[str, object]:
    """The settings of the controls the link hides or locks, as the page last read them: a
    learner cannot change them, so a scenario must not either (these never change within
    a session, so the last reading holds)."""
    hidden, locked = instructor()
    read = st.session_state.get("settings_read")
    return {} if read is None else {key: getattr(read, key) for key in hidden | locked}


def choose_metrics() -> tuple[str, ...]:
    """Metrics charted besides accuracy, which every run reports."""
    metrics = labels("metrics")
    by_label = {label: name for name, label in metrics.items()}
    linked_metrics = tuple(by_label[label] for label in st.query_params.get_all("metrics")
                           if label in by_label)
    chosen = control(
        "metrics", st.multiselect, "Metrics", list(metrics),
        format_func=metrics.get, placeholder="Accuracy only", hidden_value=linked_metrics,
        help="Accuracy is always reported. Each metric chosen here gets a chart of its own, "
        "for training and validation. Precision, recall and F1 need one-hot labels.")
    return tuple(chosen)


def choose_model_and_stopping() -> dict:
    """The lesson's first CNN or its dropout model, the dropout rate, and early stopping."""
    model = control("model", st.selectbox, "Model", list(labels("model")),
                    format_func=labels("model").get,
                    help="The dropout model is the lesson's answer to overfitting.")
    dropout_rate = linked("dropout_rate")
    if models.MODELS[model].has_dropout:
        dropout_rate = control(
            "dropout_rate", st.select_slider, "Dropout rate", offered("dropout_rate"),
            **start("dropout_rate"),
            help="The share of the third layer's outputs switched off at random at each "
            "training step.")
    patience = control(
        "patience", st.number_input, "Early stopping: patience", *bounds("patience"),
        **start("patience"),
        help="Stop once the validation loss has not improved for this many epochs, and keep "
        "the weights of its best epoch. 0 trains every epoch.")
    return {"model": model, "dropout_rate": dropout_rate, "patience": int(patience)}
