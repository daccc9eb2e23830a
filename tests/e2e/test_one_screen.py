"""One screen: at a laptop's, a projector's and a phone's size, Train is pressed without
scrolling and the run is watched where it is: the lesson, Train and, once training, the
loss and accuracy charts inside the window, and nothing scrolled to get there.

Each size leaves a screenshot taken mid-run in test-artifacts/; docs/screenshots/ holds the
ones linked from the README, taken after a run on the lesson's defaults
(`python3 tests/e2e/test_one_screen.py URL` retakes them against a running Fit Lab).

Its subject is the layout, not what Keras does: the server's runs train on the stand-in
worker (tests/fake_worker.py; marker stand_in_worker), whose epochs take 0.3 s at least.
"""

from __future__ import annotations

import pathlib
import re
import sys

import pytest
from learner import RUN_ENDED, STATUS, scenario
from playwright.sync_api import expect

pytestmark = pytest.mark.stand_in_worker

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts"
# A run long enough to be caught mid-way on a slow machine, small enough to be cheap.
RUN = "epochs=30&train_images=1000"
SIZES = {
    "laptop-1366x768": (1366, 768, ""),
    "laptop-1440x900": (1440, 900, ""),
    "projector-1920x1080": (1920, 1080, "&view=projector"),
    "phone-390x844": (390, 844, ""),
}
LESSON_TEXT = "What has to be decided before a network can learn?"  # the section's questions
LESSON_CONTROLS = ("Loss function", "Optimizer", "Learning rate", "Batch size", "Epochs")


def in_view(page, locator) -> bool:
    """Whether the whole of the element lies inside the browser's window."""
    box = locator.bounding_box()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and \
        box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1


def settled(page) -> None:
    """Wait until the page's drawing is over: while the script runs that draws the panel of
    after Train (or after the run), the panel of before stands on the page with it, and
    Streamlit removes it only when that run ends."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                          "notRunning", timeout=30_000)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=30_000)


def scrolled(page) -> list[str]:
    """Every element of the page that is scrolled away from its top, the page included."""
    return page.evaluate("""() => [document.scrollingElement, ...document.querySelectorAll('*')]
        .filter(e => e.scrollTop > 0).map(e => e.dataset.testid || e.className)""")


def watch_a_run(browser, url: str, width: int, height: int, query: str, shot: pathlib.Path):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    print(shot.name, flush=True)
    try:
        page.goto(f"{url}/?{RUN}{query}")
        train = page.get_by_role("button", name="Train", exact=True)
        expect(train).to_be_enabled(timeout=60_000)
        projector = "view=projector" in query
        # Waited for, not read once: the page's own layout (layout.css) lands with the first
        # elements drawn, and a look taken between the two saw the phone's Train out of view.
        expect(train, "Train is out of view").to_be_in_viewport(ratio=1)
        if projector:
            expect(page.get_by_text(LESSON_TEXT)).to_have_count(0)
            expect(page.get_by_text("Adam · learning rate 0.001 · batch size 32")).to_be_visible()
        else:
            expect(page.get_by_text(LESSON_TEXT), "the lesson is out of view").to_be_in_viewport(
                ratio=1)
            for label in LESSON_CONTROLS:
                control = page.locator(".st-key-lesson_bar").get_by_text(label, exact=True)
                expect(control, f"{label} is out of view").to_be_in_viewport(ratio=1)
        assert in_view(page, train), "Train is out of view"
        charts = page.locator("[data-testid='stVegaLiteChart']")  # loss, accuracy, batches
        loss, accuracy = charts.nth(0), charts.nth(1)
        # Before Train the charts' empty axes are where the run will draw its curves (on a
        # phone the lesson is there instead).
        if width >= 641:
            # With a scenario's note on the page, as after the Scenarios menu: a note above
            # the charts had pushed them below a laptop's fold (issue 23).
            scenario(page, "Overfitting")
            expect(loss).to_contain_text("Loss per epoch", timeout=30_000)
            settled(page)
            idle_at = loss.bounding_box()["y"]
        # A click that does not scroll: at the button's place, as a hand would press it.
        box = train.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        status = page.get_by_text(STATUS)
        expect(status).to_be_visible(timeout=90_000)
        expect(status).to_have_count(1)  # shown once, in large type on the projector
        expect(accuracy).to_contain_text("Accuracy per epoch")
        page.wait_for_timeout(2_000)  # a few redraws
        page.screenshot(path=shot)
        assert in_view(page, loss) and in_view(page, accuracy), "a chart is out of view"
        if projector:  # the per-batch curve too: in epoch 1 it is the one that moves
            assert in_view(page, charts.nth(2)), "the loss per batch is out of view"
        stop_button = page.get_by_test_id("stMainBlockContainer").get_by_role(
            "button", name="Stop", exact=True)
        assert in_view(page, stop_button)
        if not projector and width >= 641:  # beside the charts; on a phone, below them
            assert in_view(page, page.get_by_text(LESSON_TEXT)), "the lesson went out of view"
        assert not scrolled(page), f"the page scrolled: {scrolled(page)}"
        charts_at = loss.bounding_box()["y"]
        if width >= 641:
            assert abs(charts_at - idle_at) < 1, f"Train moved the charts by {charts_at - idle_at}"
        # What is checked is where the outcome lands, whichever it is: a run that finished
        # before Stop reached it (30 epochs, fast on a fast machine) is as good. So Stop is
        # pressed where it stood, as a hand would: a click on a button the run's end has
        # just disabled does nothing, where Playwright's click would wait for it to enable.
        box = stop_button.bounding_box()
        if box:
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.get_by_text(RUN_ENDED)).to_be_visible(timeout=30_000)
        settled(page)
        if width >= 641:  # the outcome takes the progress bar's place
            assert abs(loss.bounding_box()["y"] - charts_at) < 1, "the charts moved at the end"
        elif not projector:  # the lesson is far below the run: the bar's links go between
            links = page.locator(".st-key-phone_links")
            links.get_by_role("link", name=re.compile("Lesson")).click()
            expect(page.get_by_text(LESSON_TEXT)).to_be_in_viewport()
            expect(loss).not_to_be_in_viewport()
            page.screenshot(path=shot.with_name(f"{shot.stem}-lesson-after-run.png"))
            # where the run's progress was in the bar, its end, and the way back to it
            ended = links.get_by_role("link", name=re.compile(r"#1 ended"))
            expect(links).to_be_in_viewport(ratio=1)
            ended.click()
            expect(loss).to_be_in_viewport(ratio=1)
            expect(page.get_by_text(RUN_ENDED).first).to_be_in_viewport()
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_train_and_watch_the_charts_without_scrolling(browser, app_url, size):
    ARTIFACTS.mkdir(exist_ok=True)
    width, height, query = SIZES[size]
    watch_a_run(browser, app_url, width, height, query, ARTIFACTS / f"one-screen-{size}.png")


@pytest.mark.parametrize("size", ["laptop-1366x768", "phone-390x844"])
def test_each_section_paged_to_from_its_foot_opens_at_its_top(browser, app_url, size):
    width, height, _ = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(app_url)
        for onward, heading in [("2. The loss function", "The loss function"),
                                ("3. The optimizer", "The optimizer"),
                                ("4. The learning rate", "The learning rate")]:
            button = page.get_by_role("button", name=onward, exact=True)
            button.scroll_into_view_if_needed()  # the foot of the section before
            assert scrolled(page)
            button.click()
            title = page.get_by_role("heading", name=heading, exact=True)
            expect(title).to_be_visible()
            page.wait_for_timeout(500)
            assert in_view(page, title), f"{heading} did not open at its top"
            if width > 640:  # the page itself holds still; only the lesson's pane scrolls
                assert "stMain" not in scrolled(page)
    finally:
        context.close()


def after_a_run(browser, url: str, folder: pathlib.Path) -> None:
    """The README's screenshots: one run on the lesson's defaults, trained by the server's
    workers to its end, then the Train page at each size in the same browser (the same
    learner, so the same run)."""
    context = browser.new_context()
    try:
        for number, (name, (width, height, query)) in enumerate(SIZES.items()):
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{url}/?{query.lstrip('&')}")
            train = page.get_by_role("button", name="Train", exact=True)
            expect(train).to_be_enabled(timeout=120_000)
            if number == 0:
                train.click()
                expect(page.get_by_text(re.compile(r"Finished all \d+ epochs"))).to_be_visible(
                    timeout=900_000)
            settled(page)
            page.wait_for_timeout(2_000)  # the charts drawn after the script's end
            page.screenshot(path=folder / f"{name}.png")
            print(name, flush=True)
            page.close()
    finally:
        context.close()


if __name__ == "__main__":  # retake the README's screenshots against a running Fit Lab
    from playwright.sync_api import sync_playwright
    from server import launch_chromium

    with sync_playwright() as playwright:
        after_a_run(launch_chromium(playwright), sys.argv[1],
                    pathlib.Path(__file__).resolve().parents[2] / "docs" / "screenshots")
