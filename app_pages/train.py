"""Compile and train: the lesson on the left, the settings, Train and live charts on the right."""

import streamlit as st

from ui import controls, lesson_view, run_panel

st.title("Compile and train a convolutional neural network")

lesson_column, lab_column = st.columns([5, 6], gap="large")

with lesson_column:
    lesson_view.show_lesson(height=900)

with lab_column:
    st.subheader("Your run")
    settings, info = controls.choose_settings()
    if info is not None:
        controls.show_model(info, settings)
    if settings is not None:
        controls.show_code(settings)
    run_panel.train_and_stop(settings)
    run_panel.live_run()
