"""The Train page's scenarios: the Scenarios menu, which sets every control in one click,
and the note on what to watch while its settings hold. It owns the session's `scenario`
(the one chosen) and `scenarios` (the menu's state)."""

from __future__ import annotations

import streamlit as st

from fitlab import compare, scenarios
from fitlab.links import LINK_NAMES
from fitlab.models import MODELS
from fitlab.settings import Settings
from ui import controls, link_controls
from ui.state import current_job

MENU_BUTTON_WIDTH = 220  # the longest title, "Learning rate about right", on one line


def menu() -> None:
    """The Scenarios menu: named scenarios that set every control in one click, each with
    what it shows. It holds buttons only, no settings' state, and closes once one is chosen."""
    popover = st.popover("Scenarios", icon=":material/school:", key="scenarios",
                         on_change="rerun")
    if not popover.open:
        return
    with popover:
        _buttons()


def _buttons() -> None:
    fixed = controls.fixed_by_instructor()
    for scenario in scenarios.SCENARIOS:
        # A scenario that would change what the instructor's link fixed is off: applied in
        # part, it would train something that is neither the scenario nor the room's run.
        clashes = [LINK_NAMES[key] for key, value in fixed.items()
                   if getattr(scenario.settings, key) != value]
        # Its hint beside it, not under it: seven buttons with a hint under each were 650 px
        # tall, and at 1366x768 the last two lay below the window (tests/e2e/test_layout.py).
        with st.container(horizontal=True, vertical_alignment="center", gap="small",
                          wrap=False):
            st.button(scenario.title, on_click=_apply_scenario, args=(scenario.title,),
                      width=MENU_BUTTON_WIDTH, key=f"scenario_{scenario.title}",
                      disabled=bool(clashes))
            if clashes:
                st.caption(f"Not in this session: your instructor has set the "
                           f"{compare.listed(clashes)}, which this scenario changes.")
            else:
                st.caption(scenario.hint)


def note(settings: Settings | None) -> None:
    """What to watch in the scenario just chosen, with its settings, while they are unchanged:
    before its run with "Press Train", and once its run has ended, what Fit Lab's measured
    runs of the same settings showed."""
    chosen = st.session_state.get("scenario")
    scenario = next((each for each in scenarios.SCENARIOS if each.title == chosen), None)
    if scenario is None or settings is None:
        return
    job = current_job()
    trained = job is not None and job.settings == settings
    if _holds(scenario.settings, settings):
        # What measured runs showed only once this one has shown its own: a prediction
        # first, then the comparison (fitlab/scenarios.py)
        ended = trained and not job.history.active
        after = f" {scenario.result}" if ended and scenario.result else ""
        # Before its run, the note comes before the outcome of the run before (layout.css),
        # which speaks of other settings: at 1366x768 it had stood below the fold, under
        # an outcome a learner could take for the scenario's.
        place = st.container(key="scenario_note" if trained else "scenario_note_before_run")
        place.info(f"**{scenario.title}.** {scenario.what_to_watch} "
                   f"({compare.headline(settings)}.)"
                   + (after if trained else " Press **Train**."), icon=":material/school:")


def _holds(wanted: Settings, settings: Settings) -> bool:
    """Whether the controls still hold a scenario's settings: its data set by key or by path,
    and a dropout rate only where its model has dropout (the rate the last dropout scenario
    left, kept in the link, had hidden the June 2026 edition's note)."""
    if not MODELS[wanted.model].has_dropout:
        settings = settings.replace(dropout_rate=wanted.dropout_rate)
    return settings.replace(dataset=wanted.dataset) == wanted


def apply_settings(title: str, settings: dict) -> None:
    """Set the controls to settings an instructor suggested to the class, but those the
    class holds; the note names them like a scenario's when they are one."""
    fixed = controls.fixed_by_instructor()
    link_controls.choose(**{key: value for key, value in settings.items() if key not in fixed})
    st.session_state.scenario = title


def _apply_scenario(title: str) -> None:
    scenario = next(each for each in scenarios.SCENARIOS if each.title == title)
    link_controls.choose(**scenario.settings.to_dict())
    st.session_state.scenario = title
    st.session_state.scenarios = False  # close the menu: the note says what to do next
