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

from learner import scenario, stop, train
from playwright.sync_api import expect, sync_playwright
from server import launch_chromium
from test_one_screen import SIZES, in_view, settled

SCENARIOS = ["Learning rate too high", "Learning rate too low", "Learning rate about right",
             "Overfitting", "Dropout helps", "Dropout switched off", "The June 2026 edition"]
ENDED = re.compile(r"Stopped at your request|Finished all|The loss diverged|"
                   r"The network stopped learning|The run failed")
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
            .filter(c => {{ const r = c.getBoundingClientRect();
                           return r.width > 0 && toasts.some(t => hit(t, r)); }})
            .map(c => c.innerText || c.getAttribute('aria-label') || c.tagName);
    }}""")


def shoot(browser, url, size, title, folder: pathlib.Path) -> list[str]:
    width, height, query = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    problems = []
    try:
        page.goto(f"{url}/?{query.lstrip('&')}")
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(
            timeout=60_000)
        scenario(page, title)
        if width < 500:
            page.mouse.wheel(0, -5000)  # back to the bar, as a learner would
        page.screenshot(path=folder / f"{size}-before-train.png")
        train(page)
        try:  # two epochs, or an end of its own (a learning rate of 1.0 ends in the first)
            expect(page.get_by_text(re.compile(r"Epoch [3-9]\d*/|Epoch \d\d+/")).or_(
                page.get_by_text(ENDED))).to_be_visible(timeout=120_000)
        finally:
            if not page.get_by_text(ENDED).is_visible():
                stop(page)
        expect(page.get_by_text(ENDED)).to_be_visible(timeout=60_000)
        settled(page)
        page.wait_for_timeout(1_000)
        if width < 500:
            page.mouse.wheel(0, -5000)
        charts = page.locator("[data-testid='stVegaLiteChart']")
        shot = folder / f"{size}-{title.lower().replace(' ', '-')}.png"
        page.screenshot(path=shot)
        if not (in_view(page, charts.nth(0)) and in_view(page, charts.nth(1))):
            problems.append("a chart is out of view")
        if covered := covered_controls(page):
            problems.append(f"a toast covers {covered}")
        print(shot.name, "; ".join(problems) or "ok", flush=True)
    finally:
        context.close()
    return problems


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
