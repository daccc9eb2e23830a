"""The Train page compares runs without leaving it (issue 23 item 4): the run before, or the
runs a learner pins, drawn faintly under the live one, with the legend, the axes, the chart's
data, its toolbar and its text alternative as a learner meets them.

What is checked is the page and its charts, not what Keras does, so the server trains on the
stand-in worker (tests/fake_worker.py, through FITLAB_WORKER_COMMAND): runs of a few epochs
take about a second each."""

from __future__ import annotations

import re
import shlex

import fake_worker
import pytest
from conftest import ARTIFACTS
from learner import train
from playwright.sync_api import expect
from server import streamlit_server
from test_accessibility import serious_violations

FIRST = "train_images=300&epochs=3&learning_rate=0.01"
SECOND = "train_images=300&epochs=2"  # the lesson's learning rate, 0.001
FIRST_LABEL = "#1 lr=0.01 epochs=3 images=300"  # what differs from the second, and images


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("comparison")
    log = folder / "streamlit.log"
    with streamlit_server(log, FITLAB_WORKER_COMMAND=shlex.join(fake_worker.command()),
                          FITLAB_STORE=str(folder / "store")) as (address, _):
        yield address
    assert "Traceback" not in log.read_text()


def run(page, url, query, epochs):
    page.goto(f"{url}/?{query}")
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=60_000)
    train(page)
    expect(page.get_by_text(f"Finished all {epochs} epochs", exact=False)).to_be_visible(
        timeout=60_000)
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                          "notRunning", timeout=30_000)


def chart(page, name):
    """The loss or accuracy chart's element, its text alternative beside it."""
    return page.locator(".st-key-main_charts [data-testid='stVegaLiteChart']").nth(
        0 if name == "loss" else 1)


def settled(page) -> None:
    """The page drawn, the loss and accuracy charts with it."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                          "notRunning", timeout=30_000)
    for name in ("loss", "accuracy"):
        expect(chart(page, name).locator("svg g.role-legend")).to_be_attached(timeout=30_000)
    page.wait_for_timeout(1000)  # drawn after the script's end: the last redraw settles


def overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_a_pinned_run_is_drawn_faintly_with_the_legend_axes_data_and_toolbar_a_learner_expects(
        browser, url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        run(page, url, FIRST, 3)
        run(page, url, SECOND, 2)
        caption = page.get_by_text(re.compile(r"^Faint lines: "))
        expect(caption).to_contain_text(f"the run before, {FIRST_LABEL}")
        for name in ("loss", "accuracy"):
            drawn = chart(page, name)
            # the legend of training and validation stays beside a faint run
            legend = drawn.locator("g.role-legend")
            expect(legend).to_contain_text("training")
            expect(legend).to_contain_text("validation")
            # the x axis covers the faint run's 3 epochs, not only the live run's 2
            expect(drawn.locator("g.role-axis").filter(has_text="Epoch")).to_contain_text("3")
            expect(drawn).to_be_in_viewport(ratio=1)
            # its text alternatives (beside it, and its label) state the faint run's latest
            # figures
            faint = re.compile(rf"Drawn faintly for comparison: run {FIRST_LABEL}, after "
                               r"epoch 3 of 3: training \d\.\d+, validation \d\.\d+\.")
            expect(page.locator(f".st-key-{name}_chart_text")).to_contain_text(faint)
            expect(drawn).to_have_attribute("aria-label", faint)
            # Streamlit's toolbar, shown on pointing at the chart, covers nothing beside it
            drawn.hover()
            toolbar = page.locator(".st-key-main_charts [data-testid='stElementToolbar']") \
                .nth(0 if name == "loss" else 1)
            expect(toolbar).to_be_visible()
            page.wait_for_timeout(300)  # its fade-in
            beside = page.get_by_text(re.compile(r"^Not the lesson's: ")).bounding_box()
            assert not overlap(toolbar.bounding_box(), beside), (name, beside)
        # "Show data" lists the live run's figures (2 epochs, training and validation), not
        # the faint run's
        chart(page, "loss").hover()
        page.get_by_role("button", name="Show data").first.click()
        grid = page.locator("[data-testid='stDataFrame'] table").first
        expect(grid).to_have_attribute("aria-rowcount", "5")  # a header and four rows
        expect(grid.locator("th")).to_have_text(["", "epoch", "split", "loss"])
        page.get_by_role("button", name="Show chart").first.click()
        # pin run #1 beside the charts: the caption says it is the pinned one
        pinned = page.locator("[data-testid='stMultiSelect']").filter(has_text="Pinned runs")
        pinned.scroll_into_view_if_needed()
        pinned.locator("input").click()
        page.get_by_role("option", name="#1", exact=True).click()
        page.keyboard.press("Escape")
        expect(caption).to_contain_text(f"your pinned run {FIRST_LABEL}")
        # kept with the learner: a reload draws it still
        page.reload()
        expect(caption).to_contain_text(f"your pinned run {FIRST_LABEL}", timeout=60_000)
        settled(page)
        assert not serious_violations(page)
        ARTIFACTS.mkdir(exist_ok=True)
        for width, height, query in ((1366, 768, ""), (1440, 900, ""),
                                     (1920, 1080, "?view=projector"), (390, 844, "")):
            page.set_viewport_size({"width": width, "height": height})
            if query:
                page.goto(f"{url}/{query}")
                expect(page.get_by_text(re.compile(r"^Faint lines: your pinned run"))) \
                    .to_be_visible(timeout=60_000)
            settled(page)
            page.screenshot(path=ARTIFACTS / f"pinned-run-{width}x{height}.png")
            if query:
                assert not serious_violations(page), query
                page.goto(url)
                expect(caption).to_be_attached(timeout=60_000)
                page.wait_for_timeout(1000)
    finally:
        context.close()
