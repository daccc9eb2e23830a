"""The glossary, for learners: at the foot of the lesson, each term a small heading whose
anchor the lesson's words link to (`[epoch](#epoch)`). A link to an anchor of the page stays
in the tab and scrolls the lesson's pane to the entry; a link to another page opened the
Instructor guide in a new tab, at its top. The text is the Instructor guide's *Glossary*
(docs/instructor-guide.md), the one copy, which that page draws the same way."""

from __future__ import annotations

import pathlib
import re

import streamlit as st

from fitlab.lesson import strip_claims

GUIDE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "instructor-guide.md"
ENTRY = re.compile(r"^- \*\*(.+?)\*\*: (.)", re.MULTILINE)  # "- **Loss**: the number ..."


def as_headings(text: str) -> str:
    """The glossary's "- **Term**: meaning" list as a heading per term, then its meaning."""
    return ENTRY.sub(lambda match: f"#### {match.group(1)}\n{match.group(2).upper()}", text)


@st.cache_data(show_spinner=False)
def entries() -> str:
    """The guide's glossary entries, from the first, without its note to instructors."""
    guide = strip_claims(GUIDE.read_text(encoding="utf-8"))
    part = guide.split("\n## Glossary\n", 1)[1].split("\n## ", 1)[0]
    return as_headings(part[ENTRY.search(part).start():])


def show() -> None:
    st.divider()
    st.markdown("### Glossary")
    st.markdown(entries())
