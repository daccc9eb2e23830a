"""Start-up and time to the first point on the chart, in a real browser.

    python benchmarks/responsiveness.py

Start-up: from starting `streamlit run` to the lesson's first heading and the Train button
in the browser. The server never imports TensorFlow, so the lesson is readable before the
training workers have finished importing it; the time until the page says the trainers
are ready is printed too.

Time to first point: with the data already loaded in the worker (a first run has been
made), from the click on Train to the first chart on the page; the first batch's own time,
as the worker measured it, is printed beside it. Goal: at most 1 s plus the first batch.
"""

from __future__ import annotations

import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from server import ROOT, free_port, launch_chromium  # noqa: E402

TRIES = 3


def start_up(browser) -> None:
    port = free_port()
    log = pathlib.Path(tempfile.mkdtemp()) / "streamlit.log"
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1"], cwd=ROOT, stdout=open(log, "w"),
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        serving = time.monotonic() - started
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("heading", name="Compiling versus fitting").wait_for(timeout=60_000)
        page.get_by_role("button", name="Train", exact=True).wait_for()
        usable = time.monotonic() - started
        while True:
            page.get_by_text(re.compile("Trainers are starting|Ready to train")).wait_for(
                timeout=60_000)  # under the Train bar
            if page.get_by_text("Ready to train").count():
                break
            page.wait_for_timeout(250)
            page.reload()
        trainers = time.monotonic() - started
        print(f"start-up: server answering after {serving:.1f} s; "
              f"lesson page usable after {usable:.1f} s; "
              f"trainers ready (TensorFlow imported) after {trainers:.1f} s")
        first_points(page)
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=60)


def first_points(page) -> None:
    page.goto(f"{page.url.split('?')[0]}?train_images=1000")  # set from the link
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    train, charts = page.get_by_role("button", name="Train", exact=True), page.get_by_test_id(
        "stVegaLiteChart")
    done = page.get_by_text("Finished all 10 epochs.")
    train.click()  # the first run loads the data set into the worker
    done.wait_for(timeout=120_000)
    waits = []
    for _ in range(TRIES):
        train.click()
        clicked = time.monotonic()
        done.wait_for(state="detached")
        charts.first.wait_for(timeout=60_000)
        waits.append(time.monotonic() - clicked)
        done.wait_for(timeout=120_000)
    print(f"time to first point: median {statistics.median(waits):.2f} s of {TRIES} "
          f"({', '.join(f'{wait:.2f}' for wait in waits)})")


def first_batch_seconds() -> float:
    """The first batch's own time in a warm process: building the model and tracing the
    training step are in it, as they are in every new run."""
    sys.path.insert(0, str(ROOT))
    from fitlab import training
    from fitlab.settings import Settings

    records = []
    settings = Settings(train_images=1000, epochs=1)
    training.run(settings, lambda event: None)  # warm: data loaded, TensorFlow started
    training.run(settings, lambda event: records.extend(event.get("records", [])))
    return records[0][4]


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        start_up(browser)
        browser.close()
    print(f"first batch of a new run, measured in the engine: {first_batch_seconds():.2f} s")
