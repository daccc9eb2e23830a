"""A workshop's worth of load on one Fit Lab server, through real browsers on loopback.

    python benchmarks/workshop_load.py load   # 20 learners press Train in the same moment
    python benchmarks/workshop_load.py flaky  # the same, each losing Wi-Fi for 10-90 s
    python benchmarks/workshop_load.py soak   # 100 runs in a row from one tab

`load` checks that every run finishes, that runs started in the order the server queued them,
and that the server logged no exception; it prints the peak memory of the server and its
workers. `flaky` gives each learner a relay of their own on the loopback address that drops
their connection once, at a random moment of the first minute, for 10 to 90 s (a seeded
draw), and checks that every learner ends with their run finished, shown, and still there
after a reload. `soak` prints the memory after the 10th and after the last run and their
difference. Each run is short (200 images, 2 epochs) so that the figures are about the
server, not about training.
"""

from __future__ import annotations

import argparse
import pathlib
import random
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from server import FlakyLink, launch_chromium, rss_megabytes, streamlit_server  # noqa: E402

SHORT_RUN = "train_images=200&epochs=2"  # set from the link, as an instructor's would
LEARNERS, SOAK_RUNS = 20, 100


def prepare(page, url: str) -> None:
    page.goto(f"{url}/?{SHORT_RUN}")
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=120_000)
    page.wait_for_timeout(500)


class PeakMemory(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_megabytes(self.pid))
            time.sleep(0.5)


def load(browser, url: str, server, log: pathlib.Path) -> int:
    pages = [browser.new_context().new_page() for _ in range(LEARNERS)]
    for page in pages:
        prepare(page, url)
    monitor = PeakMemory(server.pid)
    monitor.start()
    started = time.monotonic()
    for page in pages:  # as close to "at once" as one driver can click
        page.get_by_role("button", name="Train", exact=True).click()
    finished = 0
    for page in pages:
        page.get_by_text("Finished all 2 epochs.").wait_for(timeout=900_000)
        finished += 1
    elapsed = time.monotonic() - started
    monitor.running = False
    print(f"runs finished: {finished}/{LEARNERS} in {elapsed:.0f} s")
    # The server queues runs in the order the clicks reach it, which the driver cannot see;
    # its log records that order and the order the runs started in.
    events = re.findall(r"fitlab: (queued|started) run (\w+)", log.read_text())
    queued = [run for kind, run in events if kind == "queued"]
    started_order = [run for kind, run in events if kind == "started"]
    in_order = len(queued) == LEARNERS and queued == started_order
    print(f"runs queued: {len(queued)}; started in the order they were queued: {in_order}")
    print(f"peak memory, server + workers: {monitor.peak:.0f} MB")
    return 0 if finished == LEARNERS and in_order else 1


def flaky(browser, url: str, server, log: pathlib.Path) -> int:
    from playwright.sync_api import TimeoutError

    draw = random.Random(20)
    links = [FlakyLink(int(url.rsplit(":", 1)[1])) for _ in range(LEARNERS)]
    pages = [browser.new_context().new_page() for _ in range(LEARNERS)]
    for page, link in zip(pages, links):
        prepare(page, f"http://127.0.0.1:{link.port}")
    drops = [(draw.uniform(0, 60), draw.uniform(10, 90)) for _ in links]

    def drop(link: FlakyLink, after: float, seconds: float) -> None:
        time.sleep(after)
        link.drop()
        time.sleep(seconds)
        link.restore()

    started = time.monotonic()
    for page in pages:
        page.get_by_role("button", name="Train", exact=True).click()
    for link, (after, seconds) in zip(links, drops):
        threading.Thread(target=drop, args=(link, after, seconds), daemon=True).start()
    time.sleep(max(after + seconds for after, seconds in drops) + 1)  # every link is back
    kept = 0
    for learner, (page, (after, seconds)) in enumerate(zip(pages, drops), 1):
        try:
            page.get_by_text("Finished all 2 epochs.").wait_for(timeout=300_000)
            page.reload()
            page.get_by_text("Finished all 2 epochs.").wait_for(timeout=120_000)
        except TimeoutError:
            shot = log.with_name(f"learner-{learner}.png")
            page.screenshot(path=shot)
            print(f"learner {learner} (dropped after {after:.0f} s for {seconds:.0f} s): no "
                  f"finished run shown; see {shot}")
            continue
        kept += page.get_by_text(re.compile(r"^Run #1 · ")).count() == 1
    print(f"drops: {len(drops)}, of {min(s for _, s in drops):.0f} to "
          f"{max(s for _, s in drops):.0f} s; every link back after "
          f"{time.monotonic() - started:.0f} s")
    print(f"learners whose run finished and was still there after a reload: {kept}/{LEARNERS}")
    return 0 if kept == LEARNERS else 1


def soak(browser, url: str, server, log: pathlib.Path) -> int:
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
    parser.add_argument("mode", choices=["load", "flaky", "soak"])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = pathlib.Path(tempfile.mkdtemp())
    log = folder / "streamlit.log"
    with streamlit_server(log, FITLAB_STORE=str(folder / "store")) as (url, server), \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        mode = {"load": load, "flaky": flaky, "soak": soak}[args.mode]
        status = mode(browser, url, server, log)
        browser.close()
    errors = [line for line in log.read_text().splitlines()
              if "Traceback" in line or "Exception" in line]
    print(f"exceptions in the server log: {len(errors)}")
    return status or (1 if errors else 0)


if __name__ == "__main__":
    sys.exit(main())
