"""Compile and train: the lesson beside the lab (the settings, Train and the live charts),
on one screen; in the projector view, the lab alone, in large type."""

import streamlit as st

from fitlab import compare
from ui import (
    class_view,
    controls,
    layout,
    lesson_view,
    link_controls,
    model_and_code,
    run_panel,
    scenario_menu,
)
from ui.state import projector

layout.one_screen()


def lab(more, run=None, large: bool = False) -> None:
    """Train and the five settings the lesson is about in one bar, then the run (its status
    and its charts) in `run`, else under the bar. The other settings go in `more`: a tab,
    whose widgets stay in the page while it is hidden, so that a scenario can set them (a
    closed st.popover sends a stale value back: tests/e2e/test_browser.py).
    `large`: the projector's bar holds Train and a line that names the settings, which are
    all in `more`."""
    bar = st.container(horizontal=True, vertical_alignment="center" if large else "bottom",
                       key="projector_bar" if large else "lesson_bar")
    with bar:
        train_and_stop = st.container(horizontal=True, width="content", key="train_and_stop")
        summary = st.empty() if large else None
    with bar if large else st.container(horizontal=True, key="menus"):
        scenario_menu.menu()
        model = st.popover("Model", icon=":material/account_tree:")
        code = st.popover("Code", icon=":material/code:")
        # the rest of the menus' line, so that it never adds a line above the charts; the
        # projector's bar names every setting already
        defaults = None if large else st.container(
            horizontal=True, vertical_alignment="center", gap="small", wrap=False)
    run = run or st.container(key="run")
    settings, info = controls.choose_settings(more if large else bar, more)
    with train_and_stop:
        running = run_panel.train_and_stop(settings)
    if defaults is not None:
        with defaults:
            run_panel.from_defaults(settings)
    if large and settings is not None:
        summary.markdown(compare.headline(settings))
    if info is not None:
        with model:
            model_and_code.show_model(info, settings)
    if settings is not None:
        with code:
            model_and_code.show_code(settings)
    with run:
        layout.anchor("charts")  # where the phone's bar's "Charts" link leads
        link_controls.link_notices()
        scenario_menu.note(settings)
        run_panel.live_run(settings, running)
        class_view.shown_run(large)  # the run the class's instructor shows, if any


RUN_TAB = ":material/monitoring: Run"

if projector():  # the instructor talks; the room sees the run
    if run_panel.just_started():  # Train brings the charts up, from the Settings tab too
        st.session_state.projector_tab = RUN_TAB
    with st.container(key="projector_pane"):
        if section := lesson_view.linked_section():  # ?section= in an instructor's link
            st.caption(f":material/menu_book: {section}")
        bar = st.container()
        run_tab, settings_tab = st.tabs([RUN_TAB, ":material/tune: Settings"],
                                        key="projector_tab", on_change="rerun")
        with bar:
            lab(settings_tab, run=run_tab, large=True)
else:
    lesson_column, lab_column = st.columns([5, 7], gap="medium")
    with lesson_column.container(key="lesson_pane"):
        layout.anchor("lesson")  # where the phone's bar's "Lesson" link leads
        # The other settings share the lesson's pane, so that the charts stay in view.
        lesson_tab, settings_tab = st.tabs([":material/menu_book: Lesson",
                                            ":material/tune: More settings"])
        with lesson_tab:
            lesson_view.show_lesson()
    with lab_column.container(key="lab_pane"):
        lab(settings_tab)
