"""The Evaluate page's parts: a run scored on test images, redrawn each epoch while it trains."""

from __future__ import annotations

import numpy as np
import streamlit as st

from fitlab import compare, config, data
from ui.state import dataset_arrays, projector

# Streamlit's own icon font draws these on every machine, with or without a symbol font.
RIGHT, WRONG = ":material/check:", ":material/close:"


def choose_run(runs):
    """The run to evaluate: this session's runs, the newest first."""
    by_id = {job.id: job for job, _ in runs}
    newest_first = list(reversed(by_id))
    current = st.session_state.get("job_id")
    chosen = st.selectbox(
        "Run", newest_first, index=newest_first.index(current) if current in by_id else 0,
        format_func=lambda job_id: f"#{by_id[job_id].number} · "
        f"{compare.describe(by_id[job_id].settings)}", key="evaluated_run")
    return by_id[chosen]


def show(job) -> None:
    if job.history.active:
        st.fragment(run_every=config.EVALUATE_REDRAW_SECONDS)(_draw)(job)
    else:
        _draw(job)


def _draw(job) -> None:
    history = job.snapshot()
    evaluation = history.evaluation
    if not evaluation:
        if history.active:
            st.info("Waiting for the first epoch to end: the test images are scored after "
                    "every epoch.")
        elif not history.epochs:
            st.info("This run ended before its first epoch, so there is nothing to score.")
        else:
            st.info("This data set has no test images: photos you upload are all used for "
                    "training and validation. Compare validation figures on *Your runs*.")
        return
    class_names = history.info["class_names"]
    confusion = np.array(evaluation["confusion"])
    if evaluation.get("restored"):
        state = ("the weights the run kept: early stopping gave them back at the end, and "
                 "they are what *Model as .keras* saves")
    else:
        state = "so far, still training" if history.active else "at the end of the run"
    st.markdown(
        f"The network as it was after epoch **{evaluation['epoch']}** ({state}), scored on "
        f"**{evaluation['test_images']:,} test images**: pictures it never trained on and "
        "that did not steer the training either, unlike the validation images.")
    left, right = st.columns(2)
    left.metric("Test accuracy", f"{evaluation['accuracy']:.3f}")
    right.metric("Test loss", f"{evaluation['loss']:.3f}")
    from fitlab import page_charts  # Altair: imported when a chart is drawn

    large = projector()  # read from the back of the room
    size = 140 + (48 if large else 34) * len(class_names)  # room for each class's name
    left, right = st.columns([3, 2])
    left.altair_chart(page_charts.confusion_chart(class_names, confusion, large=large),
                      key="confusion", height=size)
    per_class = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    right.altair_chart(page_charts.per_class_chart(class_names, per_class, large=large),
                       key="per_class", height=size)
    st.caption("Each row of the matrix is a true class; a dark square off the diagonal is a "
               "pair of classes the network mixes up.")
    _grid(history, evaluation, class_names)


def _grid(history, evaluation, class_names) -> None:
    st.subheader("Test images and the network's answers")
    _, _, x_test, y_test, all_classes = dataset_arrays(history.settings.dataset)
    x_test, y_test, _ = data.select(x_test, y_test, all_classes, history.settings.classes)
    shown = len(evaluation["predicted"])
    captions = []
    for predicted, true, confidence in zip(evaluation["predicted"], y_test[:shown],
                                           evaluation["confidence"]):
        if predicted == true:
            captions.append(f"{RIGHT} {class_names[predicted]} · {confidence:.0%} sure")
        else:
            captions.append(f"{WRONG} {class_names[predicted]} · really {class_names[true]}")
    # `alt`, what a screen reader says for each picture: its true class.
    st.image([picture.squeeze() for picture in x_test[:shown]], caption=captions, width=96,
             alt=[f"A test image of class {class_names[true]}" for true in y_test[:shown]])
    wrong = sum(caption.startswith(WRONG) for caption in captions)
    st.caption(f"{WRONG} marks a wrong answer ({wrong} of these {shown}), with the true class; "
               f"{RIGHT} a right one, with the probability the network gave it.")
