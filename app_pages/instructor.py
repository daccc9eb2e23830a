"""Instructor guide: docs/instructor-guide.md, the one copy, shown a part at a time so that
each of its parts is a header of the page. Its links open the Train page as they name.

The glossary's entries become small headings, so that each has an anchor the lesson links
to: ./instructor#learning-rate opens this page at "Learning rate"."""

import pathlib
import re

import streamlit as st

from fitlab.lesson import strip_claims

GUIDE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "instructor-guide.md"
ENTRY = re.compile(r"^- \*\*(.+?)\*\*: (.)", re.MULTILINE)  # "- **Loss**: the number ..."


def glossary(text: str) -> str:
    """The glossary's "- **Term**: meaning" list as a heading per term, then its meaning."""
    return ENTRY.sub(lambda match: f"#### {match.group(1)}\n{match.group(2).upper()}", text)


first, *parts = strip_claims(GUIDE.read_text(encoding="utf-8")).split("\n## ")
title, _, introduction = first.partition("\n")
st.title(title.removeprefix("# "))
st.markdown(introduction)
for part in parts:
    heading, _, text = part.partition("\n")
    st.header(heading)
    st.markdown(glossary(text) if heading == "Glossary" else text)
