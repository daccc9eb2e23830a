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
    """All sections in a box of its own height, so the lesson scrolls beside the charts."""
    with st.container(height=height, border=False):
        for section in load_sections():
            show_section(section)
            st.divider()
