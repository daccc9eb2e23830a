"""The core path with the keyboard alone: choose settings, press Train, read the outcome and
what the charts show, page to the next section and open a challenge's solution. Every action
is a key press (Tab, arrows, Enter, Space); the test only reads where the focus is.

Its subject is the keys, not what Keras does: the server's runs train on the stand-in
worker (tests/fake_worker.py; marker stand_in_worker)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_one_screen import settled

pytestmark = pytest.mark.stand_in_worker

RUN = "epochs=2&train_images=500"
FINISHED = re.compile(r"Finished all 2 epochs")
MOST_TABS = 400  # more than the page's controls and links: Tab goes round to the top


def focused(page) -> str:
    """The focused element's accessible name, as a screen reader would announce it."""
    return page.evaluate("""() => { const e = document.activeElement;
        // A focusable scroll box (the page's main) "contains" every word on the page.
        if (!e.matches('a, button, input, summary, [role]')) return '';
        return (e.getAttribute('aria-label') || e.innerText || e.value || '').trim(); }""")


def word(text: str) -> re.Pattern:
    """A name that is `text`, beside an icon's name (Streamlit's icons are ligatures)."""
    return re.compile(rf"(^|\s){text}(\s|$)")


def tab_to(page, name: re.Pattern, role: str | None = None) -> None:
    """Press Tab until the focus is on the control named `name` (of `role`, if given)."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if name.search(focused(page)) and (role is None or page.evaluate(
                "r => (document.activeElement.getAttribute('role') || "
                "document.activeElement.tagName.toLowerCase()) === r", role)):
            return
    raise AssertionError(f"Tab never reached {name.pattern}")


def test_the_core_path_with_the_keyboard_alone(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?{RUN}")
        train = page.get_by_role("button", name="Train", exact=True)
        expect(train).to_be_enabled(timeout=60_000)
        # The optimizer, chosen from its list with arrows: SGD follows Adam's neighbours.
        optimizer = page.locator("[data-testid='stSelectbox']").filter(has_text="Optimizer")
        for _ in range(MOST_TABS):
            page.keyboard.press("Tab")
            if page.evaluate("() => !!document.activeElement.closest("
                             "'[data-testid=stSelectbox]')?.innerText.includes('Optimizer')"):
                break
        else:
            raise AssertionError("Tab never reached the Optimizer")
        page.keyboard.type("SGD")
        page.keyboard.press("Enter")
        expect(optimizer.locator("input")).to_have_value("SGD")
        # The learning rate, one step up with a key.
        tab_to(page, re.compile(r"^Learning rate$"))
        before = page.evaluate("() => document.activeElement.getAttribute('aria-valuetext') "
                               "|| document.activeElement.value")
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        after = page.evaluate("() => document.activeElement.getAttribute('aria-valuetext') "
                              "|| document.activeElement.value")
        assert after != before, f"the learning rate stayed {before}"
        # Train, by its own key: Tab goes on round the page to it.
        tab_to(page, word("Train"))
        page.keyboard.press("Enter")
        expect(page.get_by_text(FINISHED)).to_be_visible(timeout=120_000)
        outcome = page.get_by_test_id("stAlert").filter(has_text=FINISHED)
        expect(outcome).to_contain_text(re.compile(r"Final validation accuracy \d\.\d+"))
        # What each chart shows, in words a screen reader reads (test_accessibility checks
        # it is hidden from sight), once the panel of before the end has gone: until the
        # redraw that follows the run's end is over, both stand on the page.
        settled(page)
        expect(page.locator(".st-key-loss_chart_text")).to_have_text(
            re.compile(r"Loss after epoch 2 of 2: training \S+, validation \S+"))
        # The next section, from the button at the lesson's top.
        tab_to(page, word("Next"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="The loss function", exact=True)).to_be_visible()
        # Its challenge's solution, opened with Enter on its summary.
        tab_to(page, word("Solution"))
        page.keyboard.press("Enter")
        expect(page.get_by_text(re.compile(r"Near ln 8, about 2\.08"))).to_be_visible()
    finally:
        context.close()
