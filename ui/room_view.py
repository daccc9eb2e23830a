"""The Class page: for a learner, joining a class by its code; for the instructor, who
opened it with the key (`?class=CODE&key=KEY`), the room and the means to steer it.

Every instructor action passes the key to fitlab/classroom.py, which checks it each time:
this page draws the room only for a key that matches, and a crafted request with a wrong
one is refused there with a sentence, whatever this page drew."""

from __future__ import annotations

import time

import streamlit as st

from fitlab import compare, exercises, scenarios
from fitlab.classroom import ACTIVE_SECONDS, VERDICTS, ClassError, RoomRun
from fitlab.links import CONTROLS, LINK_NAMES
from fitlab.settings import Settings
from ui import class_view, lesson_view
from ui.state import learner, projector

# Within the 2 s: the room view redraws from the store this often.
ROOM_SECONDS = 2.0
NO_RUN = "Nobody's: show no run"


def instructor_key() -> tuple[str, str] | None:
    """(code, key) when the address holds a class and its instructor key; the refusal said
    and None when it holds a key that does not match."""
    code, key = st.query_params.get("class", ""), st.query_params.get("key", "")
    if not key and (kept := st.session_state.get("instructor_link")):
        # back from another page, whose header link carries no address: this tab's key
        code, key = kept
        st.query_params.update({"class": code, "key": key})
    if not key:
        return None
    try:
        room = class_view.classes().authorise(code, key)
    except ClassError as refusal:
        st.error(str(refusal), icon=":material/lock:")
        return None
    if st.session_state.get("instructor_of") != room.code:
        # this browser is the instructor's: its runs go first, the room lists it apart
        class_view.classes().become_instructor(room.code, key, learner())
        class_view.forget()
        st.session_state.instructor_of = room.code
    st.session_state.instructor_link = (room.code, key)
    return room.code, key


def learner_page() -> None:
    """Join a class, see which one this browser is in, leave it; or open a class."""
    held = class_view.membership()
    if held is not None:
        room, member = held
        st.success(f"You are in class **{room.code}** as **{member.name}**. Your instructor "
                   "sees your runs and which section you are on, under that name.",
                   icon=":material/groups:")
        st.button("Leave the class", on_click=class_view.leave, key="leave_class")
    else:
        st.markdown("In a class, your instructor sees your runs under a name you choose (or "
                    "one made up for you), can move the class to a section, and opens the "
                    "challenges' solutions when the class is ready. Without one, Fit Lab is "
                    "yours alone.")
    # In a class already, joining is one click further: a tester who had joined by link
    # wondered whether the form asked them to join again.
    joining = st.expander("Join another class, or choose your name again",
                          icon=":material/login:") if held is not None else st.container()
    with joining, st.form("join_class", border=True):
        code = st.text_input("Class code", max_chars=12, placeholder="K7QX3M")
        name = st.text_input("Your name in the class (optional)", max_chars=30,
                             placeholder="a made-up name if you leave this empty")
        if st.form_submit_button("Join the class", type="primary"):
            class_view.join(code, name)
            st.rerun()
    if refusal := class_view.problem():
        st.warning(refusal)
    with st.expander("Teaching? Open a class", icon=":material/school:"):
        st.markdown("Opening a class gives you a code for the room and an instructor link "
                    "with a secret key, shown once: keep it to yourself. From a terminal: "
                    "`python -m fitlab class open`.")
        if st.button("Open a class", key="open_class"):
            code, key = class_view.classes().open()
            st.session_state.opened_class = (code, key)
        if opened := st.session_state.get("opened_class"):
            code, key = opened
            st.markdown(f"Class code **{code}**. Learners: `?class={code}` on this server's "
                        "address, or the code on this page.")
            st.page_link("app_pages/room.py", label="Open the room (instructor link)",
                         query_params={"class": code, "key": key}, icon=":material/key:")
            st.code(f"room?class={code}&key={key}", language=None)


def instructor_page(code: str, key: str) -> None:
    # The chosen tab is kept on the server (on_change="rerun"): kept by the browser alone,
    # it fell back to Room on a busy machine's rerun, under an instructor steering the room.
    room_tab, steer_tab = st.tabs([":material/groups: Room", ":material/tune: Steer"],
                                  key="room_tab", on_change="rerun")
    with room_tab:
        st.fragment(run_every=ROOM_SECONDS)(_room)(code)
    with steer_tab:
        _steer(code, key)


def _names(members) -> dict[str, str]:
    return {member.learner: member.name for member in members}


def _room(code: str) -> None:
    from fitlab import room_charts

    large = projector()
    started = time.perf_counter()
    classes = class_view.classes()
    members = classes.members(code, within=None)
    names = _names(members)
    now = time.time()
    present = [member for member in members
               if not member.instructor and now - member.seen_at <= ACTIVE_SECONDS]
    runs = classes.room_runs(code)
    latest: dict[str, RoomRun] = {}
    for run in runs:  # newest first per learner
        latest.setdefault(run.learner, run)
    verdicts = {verdict: sum(run.verdict == verdict for run in runs) for verdict in VERDICTS}
    st.caption(f"Class **{code}** · learners join with this code, or `?class={code}` on "
               "this server's address")
    with st.container(horizontal=True, key="room_counts"):
        st.metric("In the room", len(present), border=True)
        st.metric("Training", sum(run.training for run in latest.values()), border=True)
        st.metric("Waiting", sum(run.waiting for run in latest.values()), border=True)
        for verdict in VERDICTS:
            st.metric(verdict.capitalize(), verdicts[verdict], border=True)
    height = 430 if large else 300
    left, right = st.columns(2)
    for column, chart, name in ((left, room_charts.scatter(runs, names, large), "scatter"),
                                (right, room_charts.curves(runs, names, large), "curves")):
        column.container(key=f"room_{name}_text").markdown(chart.description)
        column.altair_chart(chart, key=f"room_{name}", height=height)
    sections = lesson_view.section_names()
    rows = [{"Learner": member.name,
             "Section": sections[member.section] if member.section is not None and
             0 <= member.section < len(sections) else "",
             "Now": ("training" if latest[member.learner].training else "waiting"
                     if latest[member.learner].waiting else latest[member.learner].state)
             if member.learner in latest else "no run yet",
             "Runs": sum(run.learner == member.learner for run in runs),
             "Last validation accuracy": latest[member.learner].val_accuracy
             if member.learner in latest else None}
            for member in present]
    left, right = st.columns([3, 2])
    with left:
        st.dataframe(rows, key="room_learners", hide_index=True, height=300 if not large
                     else 400, column_config={"Last validation accuracy":
                                              st.column_config.NumberColumn(format="%.3f")})
    with right:
        ticks = classes.ticks(code)
        st.dataframe([{"Exercise": exercise.title,
                       "Done": f"{ticks.get(exercise.key, 0)} of {len(present)}"}
                      for exercise in exercises.EXERCISES], key="room_ticks", hide_index=True,
                     height=300 if not large else 400)
    st.caption(f"Updated every {ROOM_SECONDS:g} s; read in "
               f"{(time.perf_counter() - started) * 1000:.0f} ms. Learners active in the last "
               f"{ACTIVE_SECONDS / 60:.0f} minutes.")


def _act(action, *args, done: str) -> None:
    """Do an instructor's action with the values this run read (not a callback's, bound
    when the button was drawn); say what it did, or why not, at the top of the page."""
    try:
        action(*args)
    except ClassError as refusal:
        st.session_state.room_said = ("error", str(refusal))
    else:
        class_view.forget()
        st.session_state.room_said = ("success", done)
    st.rerun()


def _steer(code: str, key: str) -> None:
    classes = class_view.classes()
    room = classes.get(code)
    if said := st.session_state.pop("room_said", None):
        (st.error if said[0] == "error" else st.success)(said[1])
    sections = lesson_view.section_names()
    with st.container(border=True):
        st.markdown("**Move the room to a section**: learners see a banner with one click "
                    "to it; nobody is moved by force.")
        section = st.selectbox("Section", range(len(sections)), format_func=sections.__getitem__,
                               index=room.section or 0, key="push_section")
        if st.button("Move the room here", key="push"):
            _act(classes.push_section, code, key, section,
                 done=f"The room was asked to go to {sections[section]}.")
    with st.container(border=True):
        st.markdown("**Suggest settings**: learners get a banner to take them in one click.")
        titles = [scenario.title for scenario in scenarios.SCENARIOS]
        title = st.selectbox("Scenario", titles, key="suggest_scenario")
        chosen = next(each for each in scenarios.SCENARIOS if each.title == title)
        if st.button("Suggest to the room", key="suggest"):
            _act(classes.suggest, code, key, chosen.title, chosen.settings,
                 done=f"The room was offered “{chosen.title}”.")
    with st.container(border=True):
        st.markdown("**Lock or hide controls** for the class, at the values below; held on "
                    "the server: a reload, another page or an edited address keeps them.")
        hidden = st.multiselect("Hide", CONTROLS, default=sorted(room.hidden),
                                format_func=LINK_NAMES.get, key="class_hide")
        locked = st.multiselect("Lock", CONTROLS, default=sorted(room.locked),
                                format_func=LINK_NAMES.get, key="class_lock")
        values = st.selectbox("At the values of", ["The lesson's defaults", *titles],
                              key="class_values")
        settings = Settings() if values not in titles else next(
            each.settings for each in scenarios.SCENARIOS if each.title == values)
        st.caption(compare.headline(settings))
        if st.button("Hold for the class", key="hold"):
            _act(classes.set_controls, code, key, hidden, locked, settings,
                 done="The class's controls are held as chosen.")
    with st.container(border=True):
        st.markdown("**Solutions**: in a class, a challenge's solution stays shut until you "
                    "open its section's.")
        revealed = st.multiselect("Open the solutions of", range(len(sections)),
                                  default=sorted(room.revealed),
                                  format_func=sections.__getitem__, key="class_reveal")
        if st.button("Open these, shut the others", key="reveal"):
            _act(classes.reveal, code, key, revealed, done="The solutions are open as chosen.")
    with st.container(border=True):
        st.markdown("**Show a run** on every learner's screen, beside their own: a "
                    "learner's, or yours (train on *Compile and train*: your runs go first "
                    "in the queue).")
        runs = classes.room_runs(code)
        names = _names(classes.members(code, within=None))
        labels = {run.id: f"{names.get(run.learner, '?')} #{run.number} · {run.state}"
                  f"{f' · {run.verdict}' if run.verdict else ''}" for run in runs}
        options = [None, *labels]
        shown = st.selectbox("Run", options, format_func=lambda run_id: labels.get(
            run_id, NO_RUN), index=options.index(room.shown_run)
            if room.shown_run in options else 0, key="show_which")
        if st.button("Show on every screen" if shown else "Stop showing", key="show"):
            _act(classes.show_run, code, key, shown,
                 done="Shown on every learner's screen." if shown else "No run is shown.")
