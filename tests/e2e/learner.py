"""What a learner does on Fit Lab's pages, in Playwright's terms: shared by the browser tests."""

import re

from playwright.sync_api import TimeoutError, expect

from fitlab.exercises import EXERCISES

STATUS = re.compile(r"Epoch \d+/\d+ · \d+ s elapsed")
# How a run that was stopped, or had finished by the time Stop reached it, ends.
RUN_ENDED = re.compile(r"Stopped at your request|Finished all \d+ epochs")


# The tab that holds the settings besides the lesson's five, beside the lesson ("Settings"
# beside the run in the projector view, where it holds all of them).
SETTINGS_TAB = re.compile(r"(More s|S)ettings$")
FIRST_TAB = re.compile(r"(Lesson|Run)$")


def reveal(page, control):
    """Open the settings tab when `control` (a locator) is in it and it is hidden, as a
    learner would to reach it. Return whether it was opened, to go back again."""
    if control.is_visible():
        return False
    page.get_by_role("tab", name=SETTINGS_TAB).click()
    expect(control).to_be_visible()
    return True


def close_menu(page, opened):
    """Back to the lesson (the run, in the projector view) if `reveal` left it."""
    if opened:
        page.get_by_role("tab", name=FIRST_TAB).click()
        page.wait_for_timeout(200)


def choose(page, label, option):
    """Open a select box and pick an option. A rerun that lands while the list is open (one
    follows a run that ends and ticks an exercise) closes it, as it would for a learner,
    who would open it again: so does this."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label)
    opened = reveal(page, box)
    for _ in range(3):
        box.locator("input").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except TimeoutError:
            page.keyboard.press("Escape")
    expect(box.locator("input")).to_have_value(option)
    close_menu(page, opened)


def set_number(page, label, value):
    field = page.get_by_label(label, exact=True)
    opened = reveal(page, field)
    field.fill(str(value))
    field.press("Enter")
    page.wait_for_timeout(300)
    close_menu(page, opened)


def scenario(page, title):
    """One of the scenarios, which set every control at once, from the Scenarios menu."""
    button = page.get_by_role("button", name=title, exact=True)
    if not button.is_visible():
        page.get_by_role("button", name="Scenarios").click()
    button.click()
    expect(page.get_by_text(re.compile(rf"^{title}\."))).to_be_visible()


def exercises_link(page, done):
    """The Exercises page in the navigation, which counts the exercises done."""
    return page.get_by_role("link", name=re.compile(rf"Exercises {done}\/{len(EXERCISES)}$"))


def move_learning_rate(page, steps):
    thumb = page.get_by_role("slider").first  # Learning rate is the first slider
    thumb.focus()
    for _ in range(abs(steps)):
        thumb.press("ArrowRight" if steps > 0 else "ArrowLeft")
    page.wait_for_timeout(300)


def epochs_slider_to(page, key):
    """Move the Epochs slider with a key: "Home" for 1 epoch, "End" for 50, the most. A run
    a test will stop gets 50, so that it never finishes before the test presses Stop."""
    page.get_by_role("slider").nth(2).focus()  # learning rate, batch size, epochs
    page.keyboard.press(key)
    page.wait_for_timeout(300)


def stop(page):
    """The page's Stop, not Streamlit's own Stop in its header, shown while a script runs."""
    page.get_by_test_id("stMainBlockContainer").get_by_role(
        "button", name="Stop", exact=True).click()


def header_link(page, name: str):
    """A page's link in the header: a page may link to another in its text too (Exercises'
    "Go to Compile and train"), and a click on a name that both match is refused once the
    second has been drawn, which on a busy machine it sometimes has."""
    return page.get_by_test_id("stTopNav").get_by_role("link", name=name, exact=True)


def train(page):
    page.get_by_role("button", name="Train", exact=True).click()
