"""Compile and train: the lesson beside the lab (the settings, Train and the live charts),
on one screen; in the projector view, the lab alone, in large type."""

import streamlit as st

from fitlab import compare
from ui import controls, layout, lesson_view, run_panel
from ui.state import projector

layout.one_screen()


def lab(large: bool) -> None:
    """Train and the five settings the lesson is about in one bar, the others one click away,
    then the run: its status and its charts. `large`: the projector's bar holds Train and a
    line that names the settings, which are all in one menu."""
    bar = st.container(horizontal=True, vertical_alignment="center" if large else "bottom",
                       key="projector_bar" if large else "lesson_bar")
    with bar:
        train_and_stop = st.container(horizontal=True, width="content")
        summary = st.empty()
    with bar if large else st.container(horizontal=True, key="menus"):
        with st.popover("Scenarios", icon=":material/school:"):
            controls.scenario_menu()
        more = st.popover("Settings" if large else "More settings", icon=":material/tune:")
        model = st.popover("Model", icon=":material/account_tree:")
        code = st.popover("Code", icon=":material/code:")
    settings, info = controls.choose_settings(more if large else bar, more)
    with train_and_stop:
        run_panel.train_and_stop(settings)
    if large and settings is not None:
        summary.markdown(compare.headline(settings))
    if info is not None:
        with model:
            controls.show_model(info, settings)
    if settings is not None:
        with code:
            controls.show_code(settings)
    controls.scenario_note(settings)
    run_panel.live_run(settings)


if projector():  # the instructor talks; the room sees the run
    with st.container(key="lab_pane"):
        lab(large=True)
else:
    lesson_column, lab_column = st.columns([5, 7], gap="medium")
    with lesson_column.container(key="lesson_pane"):
        lesson_view.show_lesson()
    with lab_column.container(key="lab_pane"):
        lab(large=False)
