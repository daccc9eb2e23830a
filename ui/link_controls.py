"""A setting's control, bound to the page's link: drawn free, locked or not at all as an
instructor's link says, started at the lesson's default, and set for a scenario or an upload
(`choose`); and what the link asked for that could not be used (its notices).

This module owns the settings' widget keys in the session (`choose` sets them) and the
link's notices (`forget_link_notices` clears them)."""

from __future__ import annotations

import dataclasses

import streamlit as st

from fitlab import data
from fitlab.links import (
    as_text,
    instructor_choices,
    link_problems,
    link_values,
    respelled,
    unreadable,
)
from fitlab.settings import Settings
from ui import class_view

# Every setting lives in the URL, so a link shares it; the binding also keeps the values
# when the learner visits another page and comes back.
KEEP = {"bind": "query-params"}
LOCKED = "Set by your instructor for this session: it cannot be changed here."
MOST_NOTICES = 5  # a link with a thousand bad values gets six notices, not a thousand
SHOWN_NOTICES = 2  # in full above the charts; two leave them in a 1366x768 window
_ABOUT = {field.name: field.metadata for field in dataclasses.fields(Settings)}


def bounds(key: str) -> tuple[int, int]:
    """A whole-number setting's lowest and highest value, as its field in Settings says."""
    return _ABOUT[key]["whole"]


def offered(key: str) -> tuple:
    """The values a setting's widget offers (a slider's stops), as its field says."""
    return _ABOUT[key]["offered"]


def labels(key: str):
    """A choice's {key: label}, as its field says."""
    return _ABOUT[key]["labels"]


def respell_link() -> None:
    """A link's ?learning_rate=1.0 or 1e-05, which the slider, reading only its own spelling
    (1, 0.00001), would drop from the address: spelled so, before any control reads it (on
    the session's first run: after it the controls write the address themselves)."""
    if "link_respelled" not in st.session_state:
        st.session_state.link_respelled = True
        # The link as it came, for its notices: a number too large for any control (inf)
        # leaves the address here, before a control can raise OverflowError reading it.
        st.session_state.link_as_opened = link = st.query_params.to_dict()
        respell, overflowing = respelled(link), unreadable(link)
        # what the class holds: the address's own value would show in the locked control
        # (it trains at the class's all the same), so it leaves the address
        held = [key for key in set.union(*class_view.held_controls()) if key in link]
        if respell or overflowing or held:
            st.query_params.update({key: value for key, value in respell.items()
                                    if key not in held})
            for key in {*overflowing, *held}:
                del st.query_params[key]
            st.rerun()


def choose(**values) -> None:
    """Set controls, before their widgets are drawn, to these Settings values (a scenario's,
    an upload's data set); a list goes to its multiselect as a list."""
    for key, value in values.items():
        st.session_state[key] = list(value) if isinstance(value, tuple) else value


def start(key: str) -> dict:
    """The lesson's default as a widget's default, always, even when a scenario or the
    session holds its value (which Streamlit then shows): a widget bound to the address
    leaves out of the link the value equal to its default, which without this is its first
    choice, so a learning rate of 0.00001 or one epoch was lost on a reload. (Streamlit's
    log warning for a widget given both is switched off in .streamlit/config.toml.)"""
    return {"value": getattr(Settings(), key)}


def instructor() -> tuple[set[str], set[str]]:
    """The controls the link hides and those it locks (?hide=optimizer&lock=learning_rate),
    read once per session, and those the learner's class holds (read from the server each
    time: a reload, another page or an edited address cannot undo them)."""
    if "instructor" not in st.session_state:
        hidden, locked, _ = instructor_choices(st.query_params.to_dict())
        st.session_state.instructor = (hidden, locked)
    hidden, locked = st.session_state.instructor
    class_hidden, class_locked = class_view.held_controls()
    return hidden | class_hidden, (locked | class_locked) - class_hidden


def control(key: str, widget, label: str, *args, hidden_value=None, **options):
    """Draw one control, kept in the page's address. When the link locks it, it is greyed
    out under a lock. When the link hides it, draw nothing and use the link's value for it,
    else the lesson's default; a hidden control takes no room."""
    hidden, locked = instructor()
    class_hidden, class_locked = class_view.held_controls()
    if key in class_hidden:  # the class's value, whatever the address says
        return class_view.held_value(key)
    if key in hidden:
        return hidden_value if hidden_value is not None else linked(key)
    if key in class_locked:
        held = class_view.held_value(key)
        st.session_state[key] = list(held) if isinstance(held, tuple) else held
    if key in locked:
        # in words, not an icon: a widget's accessible name took ":material/lock:" literally
        options["help"], options["disabled"] = LOCKED, True
        label += " · set by your instructor"
        if isinstance(options.get("width"), int):  # room for the words
            options["width"] = max(options["width"], 270)
    chosen = widget(label, *args, key=key, **KEEP, **options)
    # a locked class control trains at the class's value, whatever the widget read
    return class_view.held_value(key) if key in class_locked else chosen


def linked(key: str, default=None):
    """The link's value for a setting, else `default`, else the lesson's."""
    fallback = getattr(Settings(), key) if default is None else default
    return link_values(st.query_params.to_dict()).get(key, fallback)


def explain_link_problems(offered_titles) -> None:
    """Once per session, which of the link's settings could not be used, and why, for
    link_notices."""
    if "link_problems" not in st.session_state:
        link = st.session_state.get("link_as_opened") or st.query_params.to_dict()
        _, _, instructor_problems = instructor_choices(link)
        st.session_state.link_problems = link_problems(
            link, offered_titles) + instructor_problems


def explain_unknown_classes(info: data.DatasetInfo) -> None:
    """Once per session: the link's classes that this data set does not have, for
    link_notices."""
    if "class_link_problems" not in st.session_state:
        unknown = [name for name in st.query_params.get_all("classes")
                   if name not in info.class_names]
        st.session_state.class_link_problems = [
            f"The link asks for the class “{as_text(name)}”, which {info.title} does not "
            "have, so it was left out." for name in unknown]


def forget_link_notices() -> None:
    """The link was read once; once a run starts, the run speaks for itself."""
    st.session_state.link_problems = st.session_state.class_link_problems = []


def link_notices() -> None:
    """What the link asked for that could not be used, where the learner looks first (the
    controls that read the link may be in a hidden tab): on the Train page above the charts,
    in small type (layout.css), the first SHOWN_NOTICES in full and the rest a click away,
    so that the notices never push the charts out of the window."""
    problems = (st.session_state.get("link_problems", [])
                + st.session_state.get("class_link_problems", []))
    if not problems:
        return
    notices = problems[:MOST_NOTICES]
    if len(problems) > MOST_NOTICES:
        notices.append(f"And {len(problems) - MOST_NOTICES:,} more of the link's values could "
                       "not be used.")
    with st.container(key="link_notices"):
        for notice in notices[:SHOWN_NOTICES]:
            st.warning(notice)
        if len(notices) > SHOWN_NOTICES:
            with st.expander(f"{len(problems) - SHOWN_NOTICES:,} more of the link's values "
                             "could not be used", icon=":material/warning:"):
                for notice in notices[SHOWN_NOTICES:]:
                    st.warning(notice)
