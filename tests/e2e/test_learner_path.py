"""A learner's path that holds (issue 23): what one section, one link or one scenario does
stays there, and the Train page compares without leaving it."""

import re

from playwright.sync_api import expect

from fitlab import lesson

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
        expect(page.get_by_role("heading", name=SECTIONS[number].title)).to_be_visible()
        page.wait_for_timeout(300)
        if any(isinstance(part, lesson.Challenge) for part in SECTIONS[number].parts):
            expect(solution(page)).not_to_have_attribute("open", re.compile(".*"))
