"""The lesson, section by section, with challenges whose solutions open on request."""

from __future__ import annotations

import streamlit as st

from fitlab import exercises, lesson
from ui import exercises_view


@st.cache_data(show_spinner=False)
def load_sections() -> list[lesson.Section]:
    return lesson.sections()


def show_section(section: lesson.Section) -> None:
    st.subheader(section.title)
    if section.questions:
        st.markdown("**Questions:** " + " ".join(section.questions))
    if section.objectives:
        st.markdown("**Objectives:** " + " ".join(section.objectives))
    for part in section.parts:
        if isinstance(part, lesson.Challenge):
            with st.container(border=True):
                st.markdown(f"**Challenge: {part.title}**")
                st.markdown(part.question)
                with st.expander("Solution"):
                    st.markdown(part.solution)
        elif isinstance(part, lesson.ExercisePlace):
            exercises_view.show(exercises.BY_KEY[part.key], "lesson")
        else:
            st.markdown(part)
    if section.keypoints:
        st.markdown("**Key points**\n" + "\n".join(f"- {point}" for point in section.keypoints))


def show_lesson(height: int) -> None:
    """One section at a time, chosen from a list or paged through, in a box of its own
    height so that it scrolls beside the charts. All ten at once doubled what the browser
    had to draw before Train appeared (start-up went from 3.5 s to 4.2 s)."""
    sections = load_sections()
    names = [f"{number}. {section.title}" for number, section in enumerate(sections, start=1)]
    # In the address like the settings: kept across pages and reloads, and an instructor's
    # link can open a section (?section=4.+The+learning+rate).
    chosen = st.selectbox("Lesson section", range(len(sections)), format_func=names.__getitem__,
                          key="section", bind="query-params")
    with st.container(height=height, border=False):
        show_section(sections[chosen])
        back, onward = st.columns(2)
        if chosen > 0:
            back.button(f"← {names[chosen - 1]}", on_click=_turn, args=(chosen - 1,),
                        width="stretch")
        if chosen < len(sections) - 1:
            onward.button(f"{names[chosen + 1]} →", on_click=_turn, args=(chosen + 1,),
                          width="stretch", type="primary")


def _turn(to: int) -> None:
    st.session_state.section = to
