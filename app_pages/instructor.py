"""Instructor guide: docs/instructor-guide.md, the one copy, shown a part at a time so that
each of its parts is a header of the page. Its links open the Train page as they name."""

import pathlib

import streamlit as st

GUIDE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "instructor-guide.md"

first, *parts = GUIDE.read_text(encoding="utf-8").split("\n## ")
title, _, introduction = first.partition("\n")
st.title(title.removeprefix("# "))
st.markdown(introduction)
for part in parts:
    heading, _, text = part.partition("\n")
    st.header(heading)
    st.markdown(text)
