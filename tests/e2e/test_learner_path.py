"""A learner's path that holds (issue 23): what one section, one link or one scenario does
stays there, and the Train page compares without leaving it.

Its subject is the path through the pages, not what Keras does: the server's runs train on
the stand-in worker (tests/fake_worker.py; marker stand_in_worker). The compile challenge is
still checked by Keras, in its judge."""

import re

import pytest
from learner import header_link
from playwright.sync_api import expect

from fitlab import lesson
from fitlab.exercises import EXERCISES

pytestmark = pytest.mark.stand_in_worker

SECTIONS = lesson.sections()


def solution_summary(page):
    """The section's first Solution's summary line (beside its icon, whose name is text)."""
    return page.locator("summary").filter(has=page.get_by_text("Solution", exact=True)).first


def solution(page):
    """The section's first Solution, as its <details> element: open or closed."""
    return page.locator("details").filter(has=solution_summary(page)).first


def test_a_solution_opened_in_one_section_stays_in_that_section(page):
    # Streamlit keeps an expander's open state by its identity; an unkeyed "Solution" in
    # one section came up open in the next one paged to (every move from 1 to 11).
    for number, section in enumerate(SECTIONS[:-1], 1):
        if any(isinstance(part, lesson.Challenge) for part in section.parts):
            solution_summary(page).click()
            expect(solution(page)).to_have_attribute("open", "")
        page.get_by_role("button", name="Next", exact=True).click()
        # the section's own heading: the glossary at the lesson's foot has a "Dropout" too
        expect(page.get_by_test_id("stHeading").get_by_role(
            "heading", name=SECTIONS[number].title)).to_be_visible()
        page.wait_for_timeout(300)
        if any(isinstance(part, lesson.Challenge) for part in SECTIONS[number].parts):
            expect(solution(page)).not_to_have_attribute("open", re.compile(".*"))


def test_progress_stays_with_the_learner_and_glossary_links_stay_in_the_tab(page, app_url):
    # Tick an exercise off: the compile challenge, checked by Keras.
    page.get_by_role("link", name=exercises_link_name(0)).click()
    for blank, text in (("optimizer=", '"adam"'), ("loss=", '"categorical_crossentropy"'),
                        ("metrics=", '["accuracy"]')):
        page.get_by_label(blank, exact=True).fill(text)
    page.get_by_role("button", name="Check my answer", exact=True).click()
    expect(page.get_by_role("link", name=exercises_link_name(1))).to_be_visible(
        timeout=120_000)
    assert "done=" not in page.url  # a link carries settings only
    # A term in the lesson opens its entry in the learners' glossary, in this tab.
    header_link(page, "Compile and train").click()
    tabs = len(page.context.pages)
    term = page.get_by_test_id("stMarkdownContainer").get_by_role("link", name="epoch").first
    term.click()
    page.wait_for_timeout(1000)
    assert len(page.context.pages) == tabs and page.url.endswith("#epoch")
    expect(page.get_by_role("heading", name="Epoch", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("link", name=exercises_link_name(1))).to_be_visible()
    expect(page.get_by_text("Exercise done")).to_have_count(0)  # no toast replayed
    # An instructor's link, and ticks typed into one: neither resets nor ticks anything.
    page.goto(f"{app_url}/?optimizer=SGD&done=diverge,fast,early_stop")
    expect(page.get_by_text("“done” was ignored")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("link", name=exercises_link_name(1))).to_be_visible()


def exercises_link_name(done):
    return re.compile(rf"Exercises {done}\/{len(EXERCISES)}$")


def test_a_scenarios_hidden_settings_are_named_beside_train_and_undone_in_one_click(page):
    from learner import SETTINGS_TAB, scenario
    scenario(page, "Dropout helps")  # 2,000 images and the dropout model, in the other tab
    named = page.get_by_text(re.compile(r"^Not the lesson's: "))
    expect(named).to_contain_text("images=2,000 · dropout model · dropout=0.5")
    page.get_by_role("button", name="Defaults").click()
    expect(named).to_have_count(0)
    page.get_by_role("tab", name=SETTINGS_TAB).click()
    expect(page.get_by_label("Training images", exact=True)).to_have_value("5000")
    model = page.locator("[data-testid='stSelectbox']").filter(has_text="Model")
    expect(model.locator("input")).to_have_value("The lesson's first CNN")
    expect(page.get_by_text("Dropout helps.", exact=False)).to_have_count(0)  # its note too


# The run before and pinned runs, drawn faintly on the Train page: test_train_comparison.py,
# on the stand-in worker (what it checks is the page, not Keras).
