"""WCAG 2.1 AA: an axe-core audit of every page, at a laptop's and a phone's size, in the
projector view and after a run, finds no serious or critical violation; and each run chart
has a text alternative a screen reader reads, stating what the chart shows now.

axe-core's script comes bundled with axe-playwright-python: nothing is downloaded.

Its subject is the page, not what Keras does: the server's runs train on the stand-in
worker (tests/fake_worker.py; marker stand_in_worker), which draws the same charts and words."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from learner import train
from playwright.sync_api import expect

pytestmark = pytest.mark.stand_in_worker

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {"laptop-1440x900": (1440, 900), "phone-390x844": (390, 844)}
# Each page, by its address, and a heading that shows it has been drawn: an audit of a page
# that failed to draw (Streamlit's error box) or has not drawn yet would pass.
PAGES = {
    "": "Compiling versus fitting",
    "?view=projector": "Press Train",  # the projector's invitation, a heading
    "explorer": "Learning-rate explorer",
    "exercises": "Exercises",
    "data": "Look at the data",
    "runs": "Your runs",
    "evaluate": "Evaluate a run",
    "about": "About Fit Lab",
    "instructor": "Instructor guide",
    "room": "Class",  # joining a class; the instructor's room: tests/e2e/test_room.py
}
RUN = "epochs=2&train_images=500"
FINISHED = re.compile(r"Finished all 2 epochs")

_axe = Axe()


def serious_violations(page) -> list[str]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS},
                                      "resultTypes": ["violations"]})
    return [f"{violation['id']} ({violation['impact']}): {violation['help']}, e.g. "
            f"{violation['nodes'][0]['target']}: {violation['nodes'][0]['failureSummary']}"
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")]


def drawn(page, heading: str | re.Pattern) -> None:
    """Wait for the page's heading (or text, given a pattern) and the end of its drawing."""
    shown = page.get_by_role("heading", name=re.compile(heading)) if isinstance(heading, str) \
        else page.get_by_text(heading)
    expect(shown.first).to_be_attached(timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                          "notRunning", timeout=30_000)
    page.wait_for_timeout(1_000)  # charts and images are drawn after the script's end


@pytest.mark.parametrize("size", SIZES)
def test_every_page_passes_an_axe_audit(browser, app_url, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    found = {}
    try:
        for path, heading in PAGES.items():
            page.goto(f"{app_url}/{path}")
            drawn(page, heading)
            if violations := serious_violations(page):
                found[path or "train"] = violations
    finally:
        context.close()
    assert not found, found


def test_the_train_page_after_a_run_passes_an_axe_audit_and_its_charts_are_described(
        browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?{RUN}")
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(
            timeout=60_000)
        train(page)
        expect(page.get_by_text(FINISHED)).to_be_visible(timeout=120_000)
        drawn(page, FINISHED)
        assert not serious_violations(page)
        # What a screen reader meets beside each chart: its last epoch's figures, not a title.
        for key, name in (("loss_chart", "Loss"), ("accuracy_chart", "Accuracy")):
            text = page.locator(f".st-key-{key}_text")
            expect(text).to_have_text(re.compile(
                rf"{name} after epoch 2 of 2: training \d\.\d+, validation \d\.\d+"))
            # Read by assistive technology (in the accessibility tree), not drawn.
            expect(text).to_be_attached()
            box = text.bounding_box()
            assert box is None or box["width"] <= 1 and box["height"] <= 1, box
        expect(page.locator(".st-key-batch_chart_text")).to_contain_text(
            re.compile(r"loss of batches \d+ to \d+ of epoch 2 of 2"))
        for path in ("?view=projector", "evaluate", "runs"):
            page.goto(f"{app_url}/{path}")
            drawn(page, PAGES[path] if path != "?view=projector" else FINISHED)
            assert not serious_violations(page), path
    finally:
        context.close()


def test_the_phone_keeps_train_and_stop_in_reach_and_the_lesson_one_tap_away(browser,
                                                                             app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        page.goto(app_url)
        train_button = page.get_by_role("button", name="Train", exact=True)
        expect(train_button).to_be_enabled(timeout=60_000)
        # The page menu's button says what it opens (its label is drawn by layout.css).
        label = page.get_by_test_id("stExpandSidebarButton").evaluate(
            "b => getComputedStyle(b, '::after').content")
        assert label == '"Pages"', label
        lesson_title = page.get_by_role("heading", name="Compiling versus fitting")
        page.get_by_role("link", name=re.compile("Lesson$")).click()
        expect(lesson_title).to_be_in_viewport()
        page.evaluate("""() => { window.scrollTo(0, 1e6);  // the page's foot, past the lesson
            const main = document.querySelector('[data-testid=stMain]');
            if (main) main.scrollTop = 1e6; }""")
        page.wait_for_timeout(500)
        expect(lesson_title).not_to_be_in_viewport()
        for name in ("Train", "Stop"):
            control = page.get_by_test_id("stMainBlockContainer").get_by_role(
                "button", name=name, exact=True)
            expect(control, f"{name} scrolled away").to_be_in_viewport(ratio=1)
    finally:
        context.close()
