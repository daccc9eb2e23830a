"""The Instructor guide: docs/instructor-guide.md on a page of its own, and every link in it
opening the Train page at the section, in the view and with the settings it names."""

import pathlib
import re
import urllib.parse

import pytest
from streamlit.testing.v1 import AppTest

from fitlab import lesson
from fitlab.links import link_values

GUIDE = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "instructor-guide.md").read_text()
HEADINGS = re.findall(r"^## (.+)$", GUIDE, flags=re.MULTILINE)
LINKS = re.findall(r"\]\((\./\?[^)\s]*)\)", GUIDE)
TERMS = ("Loss", "Optimizer", "Learning rate", "Batch", "Epoch", "Validation", "Overfitting",
         "Dropout", "Patience", "Chance level")
PROJECTOR_TABS = [":material/monitoring: Run", ":material/tune: Settings"]
WIDGETS = ("selectbox", "select_slider", "slider", "number_input", "multiselect")


def query_of(link: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query, strict_parsing=True)


def widget(at: AppTest, key: str):
    """The control with this key, whatever its kind; None when the page has none."""
    return next((each for kind in WIDGETS for each in getattr(at, kind) if each.key == key),
                None)


def test_the_guide_page_shows_the_guide_a_heading_at_a_time():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.switch_page("app_pages/instructor.py").run()
    assert not at.exception
    assert at.title[0].value == "Instructor guide"
    assert [header.value for header in at.header] == HEADINGS
    assert {"Timings", "A 45-minute core path", "Demo script", "Glossary", "Server sizing",
            "The offline plan"} <= set(HEADINGS)
    text = " ".join(block.value for block in at.markdown)
    assert all(f"]({link})" in text for link in LINKS)  # links, relative to the app
    glossary = GUIDE.split("\n## Glossary\n", 1)[1].split("\n## ", 1)[0]
    assert [term for term in TERMS if f"- **{term}**: " not in glossary] == []


def test_the_demo_script_links_every_section_in_the_projector_view():
    names = [f"{number}. {section.title}"
             for number, section in enumerate(lesson.sections(), start=1)]
    linked = [query_of(link)["section"][0] for link in LINKS]
    assert linked == names  # one link a section, in the lesson's order
    assert all(query_of(link)["view"] == ["projector"] for link in LINKS)


@pytest.mark.parametrize("link", LINKS)
def test_each_link_opens_the_section_and_view_it_names(link):
    query = query_of(link)
    at = AppTest.from_file("../app.py", default_timeout=60)
    for key, values in query.items():
        at.query_params[key] = values if len(values) > 1 else values[0]
    at.run()
    assert not at.exception
    assert not at.warning  # no notice: Fit Lab can use every value of the link
    assert [tab.label for tab in at.tabs] == PROJECTOR_TABS  # the projector view, no lesson
    section = query["section"][0]
    number, title = section.split(". ", 1)
    assert lesson.sections()[int(number) - 1].title == title
    assert f":material/menu_book: {section}" in [caption.value for caption in at.caption]
    single = {key: values[0] for key, values in query.items() if len(values) == 1}
    for key, value in link_values(single).items():
        assert widget(at, key).value == value, key
    for key in query.get("lock", [""])[0].split(","):
        assert key == "" or widget(at, key).disabled, key
    for key in query.get("hide", [""])[0].split(","):
        assert key == "" or widget(at, key) is None, key


def test_a_projector_link_names_a_section_by_its_number_and_none_for_no_section():
    for asked, named in (("4", "4. The learning rate"), ("99", None), ("learning", None)):
        at = AppTest.from_file("../app.py", default_timeout=60)
        at.query_params.update(view="projector", section=asked)
        at.run()
        assert not at.exception
        shown = [caption.value for caption in at.caption if "menu_book" in caption.value]
        assert shown == ([f":material/menu_book: {named}"] if named else []), asked


def part(heading: str) -> str:
    return GUIDE.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_demo_script_follows_the_core_path_for_the_sparse_loss():
    assert "Skip the run with the sparse loss" in part("A 45-minute core path")
    section_2 = part("Demo script").split("\n2. ", 1)[1].split("\n3. ", 1)[0]
    assert "skip the run with the sparse loss" in section_2
    assert section_2.index("skip the run") < section_2.index("With time to spare")


def test_the_guide_says_the_projector_queues_with_the_room_and_code_updates_need_a_restart():
    sizing = " ".join(part("Server sizing").split())
    assert "a demo run queues behind the room's runs" in sizing
    assert "python3 -m streamlit run app.py --server.port 8502" in sizing and \
        "FITLAB_STORE=" in sizing
    assert "Updating Fit Lab's code" in sizing and "needs a restart of the server" in sizing
    assert "Server sizing" in part("Demo script")  # where the demo's queue is explained


def test_the_glossary_says_it_is_for_learners_too_on_the_page():
    assert part("Glossary").lstrip().startswith("**For everyone, learners included**")
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.switch_page("app_pages/instructor.py").run()
    assert any(block.value.startswith("**For everyone, learners included**")
               for block in at.markdown)
