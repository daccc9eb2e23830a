"""Instructor guide: docs/instructor-guide.md, the one copy, shown a part at a time so that
each of its parts is a header of the page. Its links open the Train page as they name.

The glossary's entries become small headings with anchors, as in the learners' glossary at
the foot of the lesson (ui/glossary_view.py), which the lesson's terms link to."""

import streamlit as st

from fitlab.lesson import strip_claims
from ui.glossary_view import GUIDE
from ui.glossary_view import as_headings as glossary

first, *parts = strip_claims(GUIDE.read_text(encoding="utf-8")).split("\n## ")
title, _, introduction = first.partition("\n")
st.title(title.removeprefix("# "))
st.markdown(introduction)
for part in parts:
    heading, _, text = part.partition("\n")
    st.header(heading)
    st.markdown(glossary(text) if heading == "Glossary" else text)
    if heading == "Running a class":  # the page is not in a self-paced header
        st.page_link("app_pages/room.py", label="The Class page: open a class",
                     icon=":material/groups:")
