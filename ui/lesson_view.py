"""The lesson, section by section, with challenges whose solutions open on request."""

from __future__ import annotations

import streamlit as st

from fitlab import exercises, lesson
from fitlab.links import section_index, section_problem
from ui import class_view, exercises_view, glossary_view, layout


@st.cache_data(show_spinner=False)
def load_sections() -> list[lesson.Section]:
    return lesson.sections()


def show_section(section: lesson.Section, solutions_open: bool = True) -> None:
    """`solutions_open`: False in a class whose instructor has not yet opened this section's
    solutions (ui/class_view.py)."""
    st.subheader(section.title)
    if section.questions:
        st.markdown("**Questions:** " + " ".join(section.questions))
    if section.objectives:
        st.markdown("**Objectives:** " + " ".join(section.objectives))
    for number, part in enumerate(section.parts):
        # Keyed by section: the browser keeps whether an expander is open by its identity
        # (label and place), so an unkeyed "Solution" opened in one section came up open in
        # the next.
        key = f"{section.slug}_{number}"
        if isinstance(part, lesson.Challenge):
            with st.container(border=True):
                st.markdown(f"**Challenge: {part.title}**")
                st.markdown(part.question)
                if solutions_open:
                    with st.expander("Solution", key=f"solution_{key}"):
                        st.markdown(part.solution)
                else:
                    st.caption(":material/lock: Your instructor will open the solution when "
                               "the class is ready.")
        elif isinstance(part, lesson.Further):
            # folded: the core path is what is open; a deep dive waits to be asked for
            with st.expander(f"Going further: {part.title}", icon=":material/explore:",
                             key=f"further_{key}"):
                st.markdown(part.body)
        elif isinstance(part, lesson.ExercisePlace):
            exercises_view.show(exercises.BY_KEY[part.key], "lesson")
        else:
            st.markdown(part)
    if section.keypoints:
        st.markdown("**Key points**\n" + "\n".join(f"- {point}" for point in section.keypoints))


def section_names() -> list[str]:
    """The sections as the section list and a link's ?section= name them: "4. The learning
    rate"."""
    return [f"{number}. {section.title}" for number, section in enumerate(load_sections(), 1)]


def linked_section() -> str | None:
    """The section a link names, if it names one: the projector view, which has no lesson,
    shows it, so that an instructor's link for a section says where the class is."""
    _section_by_number()
    _section_notice()
    name = st.query_params.get("section")
    return name if name in section_names() else None


def _section_by_number() -> None:
    """A short link's ?section=4 stands for the section's full name, which the list reads."""
    asked, names = st.query_params.get("section", ""), section_names()
    if "section_link_problem" not in st.session_state:  # before the list drops a bad one
        st.session_state.section_link_problem = section_problem(asked, names) if asked else None
    index = section_index(asked, names)  # "²" passes str.isdigit() and fails int()
    if index is not None and asked not in names:
        st.query_params["section"] = names[index]
        st.session_state.section = index  # the list, bound to it, reads it first


def show_lesson() -> None:
    """One section at a time, chosen from a list or paged through. All ten at once doubled
    what the browser had to draw before Train appeared (start-up went from 3.5 s to 4.2 s)."""
    sections = load_sections()
    names = section_names()
    _section_by_number()
    _section_notice()
    with st.container(horizontal=True, vertical_alignment="center"):
        # In the address like the settings: kept across pages and reloads, and an
        # instructor's link can open a section (?section=4.+The+learning+rate).
        chosen = st.selectbox("Lesson section", range(len(sections)),
                              format_func=names.__getitem__, key="section",
                              bind="query-params", label_visibility="collapsed",
                              on_change=_forget_section_notice)
        _turn_button(names, chosen - 1, ":material/arrow_back:", "back_top", short="Back")
        _turn_button(names, chosen + 1, ":material/arrow_forward:", "onward_top",
                     short="Next")
    show_section(sections[chosen], class_view.solution_open(chosen))
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        _turn_button(names, chosen - 1, ":material/arrow_back:", "back_bottom")
        _turn_button(names, chosen + 1, ":material/arrow_forward:", "onward_bottom")
    glossary_view.show()  # the lesson's terms link to its entries, in this pane
    if st.session_state.pop("lesson_turned", False):
        layout.lesson_to_its_top(chosen)  # a section paged to opens at its top


def _turn_button(names: list[str], to: int, icon: str, key: str, short: str = ""):
    """A button to the section `to`, if there is one: named at the foot of a section, a
    short word (the name on hover) beside the section list."""
    if not 0 <= to < len(names):
        return
    onward = "onward" in key
    st.button(short or names[to], icon=icon, help=names[to] if short else None,
              icon_position="right" if onward else "left", on_click=_turn, args=(to,),
              key=key, type="primary" if onward and not short else "secondary")


def _section_notice() -> None:
    """What the link's ?section= got wrong, until the learner opens a section themselves."""
    if problem := st.session_state.get("section_link_problem"):
        st.warning(problem)


def _forget_section_notice() -> None:
    st.session_state.section_link_problem = None


def open_section(to: int) -> None:
    """Open section `to` (from 0) on the Train page: the class's banner's one click."""
    _turn(to)


def _turn(to: int) -> None:
    _forget_section_notice()
    st.session_state.section = to
    st.session_state.lesson_turned = True
