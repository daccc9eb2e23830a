"""What a live run costs the learner's browser: Chromium's CPU seconds while one page shows a
run from Train to its end, the median of a few runs.

    python benchmarks/browser_cost.py [--app DIR ...] [--runs 5] [--json FILE]

Each app folder (this checkout unless given; `--app` again to compare another commit's,
unpacked with `git archive COMMIT | tar -x -C DIR`) is served by its own `streamlit run`
whose runs are a recorded real run of the lesson's defaults on Shapes, replayed at its real
pace (benchmarks/replay_worker.py, through FITLAB_WORKER_COMMAND, as server_cost.py does):
the same 10 epochs of about a second every time, and no Keras process on the cores being
measured. Debian's Chromium at 1366x768 opens the Train page, waits until it has settled,
presses Train and waits for "Finished all". The figure is the CPU time of every Chromium
process on the machine over that span (keep it otherwise quiet), from /proc: a page redraws
its run twice a second (`config.REDRAW_SECONDS`), and each redraw is React and Vega work
in the learner's browser, on a laptop or a phone. Prints one JSON object per app folder.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shlex
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests")]

sys.path.insert(0, str(ROOT / "benchmarks"))
import replay_worker  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from server import launch_chromium, streamlit_server  # noqa: E402
from server_cost import cpu_seconds  # noqa: E402

FINISHED = re.compile(r"Finished all \d+ epochs")


def chromium_cpu_seconds() -> float:
    """User and system CPU of every Chromium process now running."""
    total = 0.0
    for process in pathlib.Path("/proc").iterdir():
        try:
            if process.name.isdigit() and b"chrom" in (process / "cmdline").read_bytes():
                total += cpu_seconds(int(process.name))
        except OSError:  # it ended as it was read
            continue
    return total


def measure(app: pathlib.Path, runs: int) -> dict:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="browser-cost-"))
    with streamlit_server(folder / "streamlit.log", app=app,
                          FITLAB_WORKER_COMMAND=shlex.join(replay_worker.command()),
                          FITLAB_STORE=str(folder / "store"), TMPDIR=str(folder),
                          FITLAB_DATA_DIR=str(folder / "data")) as (url, _), \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        seconds, wall = [], []
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.goto(url)
            train = page.get_by_role("button", name="Train", exact=True)
            train.wait_for(timeout=120_000)
            page.wait_for_timeout(3000)  # the first drawing and its charts' code, settled
            before, started = chromium_cpu_seconds(), time.monotonic()
            train.click()
            page.get_by_text(FINISHED).first.wait_for(timeout=120_000)
            seconds.append(chromium_cpu_seconds() - before)
            wall.append(time.monotonic() - started)
            context.close()
        browser.close()
    return {"app": str(app), "runs": runs,
            "chromium_cpu_s_per_run_median": round(statistics.median(seconds), 2),
            "chromium_cpu_s_per_run": [round(value, 2) for value in seconds],
            "run_wall_s_median": round(statistics.median(wall), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", action="append", type=pathlib.Path,
                        help="an app folder to serve (default: this checkout); repeatable")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=pathlib.Path, help="also write the figures here")
    arguments = parser.parse_args()
    figures = [measure(app.resolve(), arguments.runs) for app in arguments.app or [ROOT]]
    for figure in figures:
        print(json.dumps(figure))
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
