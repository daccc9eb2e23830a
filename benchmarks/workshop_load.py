"""A workshop's worth of load on one Fit Lab server, through real browsers on loopback.

    python benchmarks/workshop_load.py load   # 20 learners press Train in the same moment
    python benchmarks/workshop_load.py soak   # 100 runs in a row from one tab

`load` checks that every run finishes, that the queue positions handed out are distinct,
and that the server logged no exception; it prints the peak memory of the server and its
workers. `soak` prints the memory after the 10th and after the last run and their
difference. Each run is short (200 images, 2 epochs) so that the figures are about the
server, not about training.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from server import launch_chromium, rss_megabytes, streamlit_server  # noqa: E402

SHORT_RUN = {"Training images": 200}
LEARNERS, SOAK_RUNS = 20, 100


def prepare(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=120_000)
    for label, value in SHORT_RUN.items():
        field = page.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Enter")
    epochs = page.get_by_role("slider").nth(2)
    epochs.focus()
    epochs.press("Home")
    epochs.press("ArrowRight")  # 2 epochs
    page.wait_for_timeout(500)


class PeakMemory(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_megabytes(self.pid))
            time.sleep(0.5)


def load(browser, url: str, server) -> int:
    pages = [browser.new_context().new_page() for _ in range(LEARNERS)]
    for page in pages:
        prepare(page, url)
    monitor = PeakMemory(server.pid)
    monitor.start()
    started = time.monotonic()
    for page in pages:  # as close to "at once" as one driver can click
        page.get_by_role("button", name="Train", exact=True).click()
    # The server queues runs in the order their clicks reach it, not the order the driver
    # clicked, so order is judged from the queue positions the pages show: two runs seen
    # in the same sweep at positions two or more apart (one run may end mid-sweep) must
    # finish in that order.
    positions, finished_at, sweep = {}, {}, 0
    deadline = time.monotonic() + 900
    while len(finished_at) < LEARNERS and time.monotonic() < deadline:
        sweep += 1
        for number, page in enumerate(pages):
            if number in finished_at:
                continue
            text = page.get_by_test_id("stMain").inner_text()
            queued = re.search(r"number (\d+) in the queue", text)
            if queued and number not in positions:
                positions[number] = (sweep, int(queued.group(1)))
            if "Finished all 2 epochs." in text:
                finished_at[number] = time.monotonic()
    finished = len(finished_at)
    pairs = [(a, b) for a in positions for b in positions
             if positions[a][0] == positions[b][0] and positions[b][1] - positions[a][1] >= 2]
    in_order = all(finished_at.get(a, 0) < finished_at.get(b, 0) for a, b in pairs)
    elapsed = time.monotonic() - started
    monitor.running = False
    print(f"runs finished: {finished}/{LEARNERS} in {elapsed:.0f} s")
    print(f"learners seen waiting in the queue: {len(positions)}")
    print(f"finished in the order they were queued: {in_order} ({len(pairs)} pairs checked)")
    print(f"peak memory, server + workers: {monitor.peak:.0f} MB")
    return 0 if finished == LEARNERS and in_order else 1


def soak(browser, url: str, server) -> int:
    page = browser.new_context().new_page()
    prepare(page, url)
    memory = {}
    started = time.monotonic()
    finished = page.get_by_text("Finished all 2 epochs.")
    for run in range(1, SOAK_RUNS + 1):
        page.get_by_role("button", name="Train", exact=True).click()
        finished.wait_for(state="detached", timeout=30_000)  # the last run's message goes
        finished.wait_for(timeout=120_000)
        if run in (10, SOAK_RUNS):
            time.sleep(1)
            memory[run] = (rss_megabytes(server.pid, children=False), rss_megabytes(server.pid))
    print(f"{SOAK_RUNS} runs in {time.monotonic() - started:.0f} s")
    for label, index in (("server", 0), ("server + workers", 1)):
        before, after = memory[10][index], memory[SOAK_RUNS][index]
        print(f"{label}: {before:.0f} MB after run 10, {after:.0f} MB after run {SOAK_RUNS}, "
              f"growth {after - before:+.0f} MB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["load", "soak"])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    log = pathlib.Path(tempfile.mkdtemp()) / "streamlit.log"
    with streamlit_server(log) as (url, server), sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        status = (load if args.mode == "load" else soak)(browser, url, server)
        browser.close()
    errors = [line for line in log.read_text().splitlines()
              if "Traceback" in line or "Exception" in line]
    print(f"exceptions in the server log: {len(errors)}")
    return status or (1 if errors else 0)


if __name__ == "__main__":
    sys.exit(main())
