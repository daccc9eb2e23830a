"""Compile and train: the lesson on the left, the settings, Train and live charts on the right."""

import streamlit as st

from ui import controls, lesson_view, run_panel
from ui.state import projector

st.title("Compile and train a convolutional neural network")

if projector():  # the instructor talks; the room sees the settings and the charts
    lesson_column, lab_column = None, st.container()
else:
    lesson_column, lab_column = st.columns([5, 6], gap="large")

if lesson_column is not None:
    with lesson_column:
        lesson_view.show_lesson(height=900)

with lab_column:
    st.subheader("Your run")
    controls.scenario_buttons()
    settings, info = controls.choose_settings()
    controls.scenario_note(settings)
    if info is not None:
        controls.show_model(info, settings)
    if settings is not None:
        controls.show_code(settings)
    run_panel.train_and_stop(settings)
    run_panel.live_run()
