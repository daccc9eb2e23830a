"""Screenshots of the Train page after each scenario at a laptop's, a projector's and a
phone's size, with a check that the loss and accuracy charts are in the window and that no
toast lies over a control. Against a running Fit Lab:

    python3 tests/e2e/scenario_screens.py http://localhost:8501 [FOLDER] [SCENARIO ...]

Each run is stopped after its second epoch (or ends by itself): what is checked is where the
scenario's note and the outcome put the charts. Prints one line per screenshot; exits 1 if a
check failed."""

from __future__ import annotations

import pathlib
import re
import sys
import time

from learner import train
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright
from server import launch_chromium
from test_one_screen import ARTIFACTS, SIZES, in_view, settled

SCENARIOS = ["Learning rate too high", "Learning rate too low", "Learning rate about right",
             "Overfitting", "Dropout helps", "Dropout switched off", "The June 2026 edition"]
ENDED = re.compile(r"Stopped at your request|Finished all|The loss diverged|"
                   r"The network stopped learning|The run failed")
RUN_NUMBER = re.compile(r"^Run #\d+")
CONTROLS = "button, input, [role='slider'], [role='tab'], [role='combobox'], a"


def covered_controls(page) -> list[str]:
    """The controls a toast lies over, by their text."""
    return page.evaluate(f"""() => {{
        const toasts = [...document.querySelectorAll('[data-testid="stToast"]')]
            .map(t => t.getBoundingClientRect());
        const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom
            && b.top < a.bottom;
        return [...document.querySelectorAll("{CONTROLS}")]
            .filter(c => !c.closest('[data-testid="stToast"]'))
            // not drawn: Streamlit's own "Running... Stop", hidden by ui/layout.css
            .filter(c => c.checkVisibility({{visibilityProperty: true}}))
            .filter(c => {{ const r = c.getBoundingClientRect();
                           return r.width > 0 && toasts.some(t => hit(t, r)); }})
            .map(c => c.innerText || c.getAttribute('aria-label') || c.tagName);
    }}""")


# What may lie over a chart: a run's outcome and status, a scenario's note, a link's notices,
# captions, a toast, and the phone's bar of Train and Stop fixed at the screen's foot.
COVERS = ["[data-testid='stAlert']", "[data-testid='stToast']",
          "[data-testid='stCaptionContainer']", ".st-key-run_status",
          ".st-key-lesson_bar > :has(> .st-key-train_and_stop)"]


def covering(page) -> list[str]:
    """What lies over the loss or the accuracy chart, by its text: overlapping boxes, more
    than a pixel each way."""
    return page.evaluate("""(covers) => {
        const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
            .slice(0, 2);
        const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
            && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
        const found = [];
        for (const chart of charts) {
            const box = chart.getBoundingClientRect();
            for (const cover of document.querySelectorAll(covers.join(','))) {
                if (cover.contains(chart) || chart.contains(cover)) continue;
                const r = cover.getBoundingClientRect();
                if (r.width > 0 && r.height > 0 && overlap(box, r))
                    found.push(`${(cover.innerText || cover.className).slice(0, 60)} over `
                               + `chart ${charts.indexOf(chart) + 1}`);
            }
        }
        return found;
    }""", COVERS)


def shoot(browser, url, size, title, folder: pathlib.Path) -> list[str]:
    """A fresh page at `size`: the scenario, its run, the checks and a screenshot."""
    width, height, query = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    try:
        page.goto(f"{url}/?{query.lstrip('&')}")
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(
            timeout=60_000)
        return shoot_on(page, size, title, folder)
    finally:
        context.close()


def shoot_on(page, size, title, folder: pathlib.Path) -> list[str]:
    """On an open Train page at `size`: choose the scenario, train, stop the run after its
    second epoch (unless it ends by itself), then check and take a screenshot. Returns what
    went wrong: a chart out of the window, something lying over a chart or a control, an
    outcome out of the window on a screen wide enough for the two panes."""
    width = page.viewport_size["width"]
    problems = []
    choose_scenario(page, title)
    if width < 500:
        to_the_top(page)  # back to the bar, as a learner would scroll
    page.screenshot(path=folder / f"{size}-{slug(title)}-before-train.png")
    # Its first two lines (the title, and what to watch begun) at least: after a run, the
    # faint lines' caption and a three-line tag beside Defaults leave a 1366x768 window that.
    note = page.get_by_text(re.compile(rf"^{re.escape(title)}\.")).first
    if width > 640 and not first_lines_in_view(page, note, lines_px=48):
        problems.append("what to watch is out of view before Train")
    shown = [int(number) for number in re.findall(r"Run #(\d+)", " ".join(
        page.get_by_text(RUN_NUMBER).all_inner_texts()))]
    train(page)
    # this run's panel, not the one before's, whose outcome stands until it is drawn
    expect(page.get_by_text(re.compile(rf"^Run #{max(shown, default=0) + 1}\b")).first
           ).to_be_attached(timeout=60_000)
    try:  # two epochs, or an end of its own (a learning rate of 1.0 ends in the first)
        expect(page.get_by_text(re.compile(r"Epoch [3-9]\d*/|Epoch \d\d+/")).or_(
            page.get_by_text(ENDED)).first).to_be_visible(timeout=120_000)
    finally:
        stop_if_training(page)
    expect(page.get_by_text(ENDED).first).to_be_visible(timeout=60_000)
    settled(page)
    page.wait_for_timeout(1_000)  # the charts' last redraw, after the script's end
    settled(page)  # and the page drawn again once more, as a run's end ticks an exercise
    if width < 500:
        to_the_top(page)
    charts = page.locator("[data-testid='stVegaLiteChart']")
    shot = folder / f"{size}-{slug(title)}.png"
    page.screenshot(path=shot)
    if not (in_view(page, charts.nth(0)) and in_view(page, charts.nth(1))):
        problems.append("a chart is out of view")
    if over := covering(page):
        problems.append(f"over a chart: {over}")
    if covered := covered_controls(page):
        problems.append(f"a toast covers {covered}")
    outcome = page.get_by_test_id("stAlert").filter(has_text=ENDED).last
    if width > 640 and not (in_view(page, outcome) or short_window(page) and first_lines_in_view(
            page, outcome)):
        problems.append("the outcome runs off the screen")
    print(shot.name, "; ".join(problems) or "ok", flush=True)
    return problems


def to_the_top(page) -> None:
    """Scroll the phone's page to its top, where Train's run is charted, and let it settle
    (a rerun that lands meanwhile, as an exercise ticked off, redraws the page)."""
    page.evaluate("""() => { window.scrollTo(0, 0);
        const main = document.querySelector('[data-testid=stMain]');
        if (main) main.scrollTop = 0; }""")
    settled(page)


def stop_if_training(page) -> None:
    """Stop, unless the run has ended by itself meanwhile (the stand-in's are quick). Where
    Stop cannot be clicked within 5 s (a busy machine's page had not made it so for CI), it is
    tried again until the run has ended."""
    button = page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop",
                                                                      exact=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            button.click(timeout=5_000)
            return
        except PlaywrightTimeout:
            if page.get_by_text(ENDED).first.is_visible():
                return
            assert time.monotonic() < deadline, "Stop stayed off, yet the run runs"


def choose_scenario(page, title: str) -> None:
    """learner.scenario, waiting longer for the note: a scenario of CIFAR-10 reads the data
    set's description first, seconds on a busy machine."""
    page.get_by_role("button", name="Scenarios").click()
    page.get_by_role("button", name=title, exact=True).click()
    try:
        expect(page.get_by_text(re.compile(rf"^{title}\."))).to_be_attached(timeout=60_000)
    except AssertionError:
        page.screenshot(path=ARTIFACTS / f"no-note-{slug(title)}.png", full_page=True)
        raise
    settled(page)


def short_window(page) -> bool:
    """A laptop's 768 px: the longest outcome (a collapse, 250 px) is read from its first
    lines there, the rest a scroll of the lab's pane away."""
    return page.viewport_size["height"] < 800


def first_lines_in_view(page, outcome, lines_px: int = 72) -> bool:
    box = outcome.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + lines_px <= \
        page.viewport_size["height"]


def slug(title: str) -> str:
    return title.lower().replace(" ", "-")


if __name__ == "__main__":
    url = sys.argv[1]
    folder = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/scenarios")
    folder.mkdir(parents=True, exist_ok=True)
    failed = False
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        for title in sys.argv[3:] or SCENARIOS:
            for size in SIZES:
                failed |= bool(shoot(chromium, url, size, title, folder))
    sys.exit(1 if failed else 0)
