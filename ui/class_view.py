"""A learner in a class: joining it (`?class=CODE` in any link, or the code on the Class
page), what the class holds for them (controls hidden or locked, solutions not yet open),
the instructor's banner (the section the room is on, settings to try) and the run the
instructor shows. Without a class, each of these draws nothing and changes nothing.

What the class holds is read from the server (fitlab/classroom.py) on every run of a page,
never from the address or the session alone, so that a reload, another page or an edited
address cannot undo it. Reads are shared by the server's sessions for a second
(st.cache_data), so that 60 learners' pages cost the database a few reads a second."""

from __future__ import annotations

import streamlit as st

from fitlab import classroom, compare, database
from fitlab.classroom import ClassError, Classroom, Member, Room
from ui.state import learner, run_store

# How often a learner's page looks for news from the instructor (a section, settings, a
# run shown): within the few seconds, at one small read a second for 60 learners.
BANNER_SECONDS = 2.0
# How often a learner's page tells the room where it is: the room counts learners active
# in the last classroom.ACTIVE_SECONDS.
NOTE_EVERY_SECONDS = 20.0


@st.cache_resource(show_spinner=False)
def classes() -> Classroom:
    """The server's classes, in the database beside the run store (FITLAB_DATABASE_URL)."""
    return Classroom(database.engine(run_store().folder))


@st.cache_data(ttl=1.0, show_spinner=False, max_entries=1000)
def _room(code: str) -> Room | None:
    return classes().get(code)


@st.cache_data(ttl=1.0, show_spinner=False, max_entries=1000)
def _membership(who: str) -> tuple[Room, Member] | None:
    return classes().membership(who)


def forget() -> None:
    """The next read is the database's: after this server changed a class."""
    _room.clear()
    _membership.clear()


def membership() -> tuple[Room, Member] | None:
    """This learner's class and how it knows them; None for a self-paced learner."""
    return _membership(learner())


def is_instructor() -> bool:
    """Whether this browser opened its class's room with the key: its runs go first."""
    held = membership()
    return bool(held and held[1].instructor)


def room() -> Room | None:
    held = membership()
    return held[0] if held else None


def join_from_link() -> None:
    """`?class=CODE` in a link joins this browser to the class, once a session; a code the
    server does not know is said, and the learner goes on self-paced."""
    code = st.query_params.get("class")
    if not code or st.session_state.get("class_link_read") == code:
        return
    if st.query_params.get("key"):  # the instructor's link: the Class page checks its key
        return
    st.session_state.class_link_read = code
    held = membership()
    if held and held[0].code == classroom.clean_code(code):
        return
    try:
        classes().join(code, learner())
    except ClassError as refusal:
        st.session_state.class_problem = str(refusal)
    forget()


def join(code: str, name: str) -> None:
    """The Class page's form: join, or say why not."""
    try:
        classes().join(code, learner(), name=name or None)
        st.session_state.class_problem = None
    except ClassError as refusal:
        st.session_state.class_problem = str(refusal)
    forget()


def leave() -> None:
    classes().leave(learner())
    forget()


def problem() -> str | None:
    return st.session_state.get("class_problem")


def concerns_this_browser() -> bool:
    """Whether the header lists the Class page: for a learner in a class, one whose link
    names a class, and the browser that opened one. A self-paced learner's header stays
    without it (the About page and the Instructor guide link to it): at 1366 px its link
    was where an "Exercise done" toast appears."""
    return bool(membership() is not None or problem() or st.query_params.get("class")
                or st.session_state.get("opened_class"))


# -- what the class holds ------------------------------------------------------------------


def held_controls() -> tuple[set[str], set[str]]:
    """(hidden, locked) by the learner's class; empty sets without one."""
    held = room()
    return (set(held.hidden), set(held.locked)) if held else (set(), set())


def held_value(key: str):
    """The value the class holds for a hidden or locked control."""
    return room().fixed_value(key)


def solution_open(section: int) -> bool:
    """Whether a section's solutions are open: always for a self-paced learner; in a class,
    once the instructor has opened them."""
    held = room()
    return held is None or section in held.revealed


# -- the instructor's banner ---------------------------------------------------------------


def banner(on_train: bool) -> None:
    """On every page of a learner in a class: the section the instructor moved the room to
    and settings to try, each one click away, nothing forced. Looked for every
    BANNER_SECONDS. `on_train`: whether the page is Compile and train, which the clicks
    lead to."""
    if membership() is None and not problem():
        return
    st.fragment(run_every=BANNER_SECONDS)(_banner)(on_train)


def _to_train(on_train: bool, section: str | None = None) -> None:
    """To Compile and train, with the address's settings (and `section`): a rerun there;
    from another page, a switch that carries the address (Streamlit's would clear it)."""
    if on_train:
        st.rerun()
    query = [(key, value) for key in st.query_params if key != "section"
             for value in st.query_params.get_all(key)]
    if section is not None:
        query.append(("section", section))
    st.switch_page("app_pages/train.py", query_params=query)


def _banner(on_train: bool) -> None:
    if refusal := problem():
        st.warning(refusal)
        return
    held = membership()
    if held is None:
        return
    room, member = held
    _note_here()
    if member.instructor:
        return  # the instructor steers from the Class page
    from ui import lesson_view

    names = lesson_view.section_names()
    here = st.session_state.get("section")
    if (room.section is not None and room.section != here
            and st.session_state.get("section_followed") != room.section_at):
        with st.container(horizontal=True, vertical_alignment="center", key="class_section"):
            st.info(f"Your instructor has moved the class to section "
                    f"**{names[room.section]}**.", icon=":material/campaign:")
            if st.button("Go there", key="follow_section", icon=":material/arrow_forward:"):
                st.session_state.section_followed = room.section_at
                lesson_view.open_section(room.section)
                _to_train(on_train, names[room.section])
    if room.suggested and st.session_state.get("suggestion_taken") != room.suggested_at:
        with st.container(horizontal=True, vertical_alignment="center",
                          key="class_suggestion"):
            st.info(f"Your instructor suggests: **{room.suggested['title']}**.",
                    icon=":material/school:")
            if st.button("Use these settings", key="take_suggestion"):
                st.session_state.suggestion_taken = room.suggested_at
                from ui import scenario_menu

                scenario_menu.apply_settings(room.suggested["title"],
                                             room.suggested["settings"])
                _to_train(on_train)


def _note_here() -> None:
    """Tell the room this learner is here, and on which section, every NOTE_EVERY_SECONDS."""
    import time

    now = time.time()
    section = st.session_state.get("section")
    noted = st.session_state.get("class_noted", (0.0, None))
    if now - noted[0] >= NOTE_EVERY_SECONDS or noted[1] != section:
        st.session_state.class_noted = (now, section)
        classes().note(learner(), section=section if isinstance(section, int) else None)


# -- the run the instructor shows ----------------------------------------------------------


@st.cache_data(ttl=1.0, show_spinner=False, max_entries=100)
def _shown(run_id: str, code: str):
    return classes().run(run_id, code)


def shown_run(large: bool = False) -> None:
    """The run the instructor shows the class, beside the learner's own, redrawn while it
    trains; nothing when none is shown."""
    if room() is None:
        return
    st.fragment(run_every=BANNER_SECONDS)(_draw_shown)(large)


def _draw_shown(large: bool) -> None:
    held = membership()
    if held is None or not held[0].shown_run:
        return
    found = _shown(held[0].shown_run, held[0].code)
    if found is None:
        return
    owner, number, history = found
    from fitlab import charts

    who = "the instructor's" if owner in _instructors(held[0].code) else \
        f"{_names(held[0].code).get(owner, 'a learner')}'s"
    with st.container(border=True, key="shown_run"):
        st.markdown(f":material/cast: **Shown by your instructor:** {who} run #{number} · "
                    f"{compare.headline(history.settings)}")
        for column, metric in zip(st.columns(2), ("loss", "accuracy")):
            chart = charts.epoch_chart(history, metric, large=large)
            column.container(key=f"shown_{metric}_text").markdown(chart.description)
            column.altair_chart(chart, key=f"shown_{metric}_chart", height=220)


@st.cache_data(ttl=5.0, show_spinner=False)
def _names(code: str) -> dict[str, str]:
    return {member.learner: member.name for member in classes().members(code, within=None)}


@st.cache_data(ttl=5.0, show_spinner=False)
def _instructors(code: str) -> set[str]:
    return {member.learner for member in classes().members(code, within=None)
            if member.instructor}
