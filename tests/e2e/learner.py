"""What a learner does on Fit Lab's pages, in Playwright's terms: shared by the browser tests."""

import re

from playwright.sync_api import TimeoutError, expect

STATUS = re.compile(r"Epoch \d+/\d+ · \d+ s elapsed")


def choose(page, label, option):
    """Open a select box and pick an option. A rerun that lands while the list is open (one
    follows a run that ends and ticks an exercise) closes it, as it would for a learner,
    who would open it again: so does this."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label)
    for attempt in range(3):
        box.locator("input").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except TimeoutError:
            page.keyboard.press("Escape")
    expect(box.locator("input")).to_have_value(option)


def set_number(page, label, value):
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    page.wait_for_timeout(300)


def move_learning_rate(page, steps):
    thumb = page.get_by_role("slider").first  # Learning rate is the first slider
    thumb.focus()
    for _ in range(abs(steps)):
        thumb.press("ArrowRight" if steps > 0 else "ArrowLeft")
    page.wait_for_timeout(300)


def train(page):
    page.get_by_role("button", name="Train", exact=True).click()
