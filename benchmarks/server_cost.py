"""What live learners cost one Streamlit server, measured on the server alone.

    python benchmarks/server_cost.py                       # 10, 30 and 60 live learners
    python benchmarks/server_cost.py --learners 10 --app /tmp/before   # another commit's app

For each N, a fresh `streamlit run app.py` with N trainers that replay a recorded real run
at its real pace (benchmarks/replay_worker.py, through FITLAB_WORKER_COMMAND: no Keras, so
the trainers' CPU does not hide the server's), and N learners, each a lightweight client
that speaks Streamlit's own protocol (BackMsg / ForwardMsg over ws://host/_stcore/stream)
as the browser does: it loads the page with its own cookie and a link that sets the
recorded run's settings and a seed of its own, presses Train (the button's trigger value,
as a click sends it), reruns each fragment at the interval the server asks (auto_rerun), and
keeps the large messages it has received, telling the server their hashes, as the
browser's message cache does. It renders nothing: 60 Chromium pages would take this
machine's two cores from the server they are meant to measure.

Measured over WINDOW seconds from the moment every page shows its run's first point, or
START_LIMIT seconds after Train if a starved server has not drawn them all by then
(`pages_live` counts those it has); a learner whose run ends in the window presses Train
again (counted in `trains_in_window`):
- server CPU: the streamlit process's own CPU seconds (/proc/PID/stat, its workers not
  included) per wall second;
- event to chart: from the moment a trainer sent a bundle of batches to the moment the
  ForwardMsg carrying a per-batch chart with that bundle's point reached the page, p50 and
  p95 over every bundle sent in the window (a bundle no chart showed counts as missed);
- bytes per second per page, and redraws (per-batch charts received) per second per page;
- the server's CPU milliseconds per redraw (all its CPU in the window over every page's
  redraws): on a machine shared with other work the server redraws less often than it
  asks to, and less CPU per second then says nothing of a cheaper redraw; this does;
- the server's memory (resident set) at the end, and the machine's load (`uptime`).

The figures are printed as a table and as JSON (`--json FILE` writes them). With `--app`,
the app served is the one in that folder (an older commit, `git archive` into a folder):
the replay worker and the clients stay this one's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import replay_worker  # noqa: E402
from server import streamlit_server  # noqa: E402  (the browser tests' own)

# Each run's epochs (the most a page allows): the recorded 30, then its last 10 again in
# turn (replay_worker). A learner whose run ends presses Train again, as learners do, so
# that WINDOW seconds of every page watching a run can be measured however long a class
# of 60 takes to start.
EPOCHS = 50
WINDOW = 60.0
START_LIMIT = 120.0
LOAD_LIMIT = 300.0  # for the pages to load, one after another: else the row says so


def live(page) -> bool:
    """Whether the page has shown its run's first point."""
    return any(furthest > 0 for _, furthest in page.charts)
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, this process only


def rss_megabytes(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


class Page:
    """One learner's tab, as far as the server can tell."""

    def __init__(self, number: int, url: str, epochs: int = EPOCHS, query: str = ""):
        self.seed = 1000 + number
        self.query = query or f"epochs={epochs}"
        self.query += f"&seed={self.seed}"
        self.url = url
        self.cookie = uuid.uuid4().hex
        self.page_hash = ""
        self.train_id = ""
        self.finished = asyncio.Event()
        self.tickers: dict[str, asyncio.Task] = {}
        self.cache: dict[str, bytes] = {}  # the browser's message cache, by hash
        self.received: list[tuple[float, int]] = []  # (time, bytes) of every message
        self.charts: list[tuple[float, float]] = []  # (time, last position on the chart)
        self.statuses: list[tuple[float, str]] = []  # (time, the run's status line)
        self.outcomes: list[tuple[float, str]] = []  # (time, a run's outcome as shown)
        self.pressed, self.presses = 0.0, []  # when Train was pressed, last and each time
        self.socket = None

    async def open(self):
        import websockets

        self.socket = await websockets.connect(
            self.url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],
            additional_headers={"Cookie": f"fitlab_learner={self.cookie}"},
            max_size=None, open_timeout=300, ping_interval=None)
        self.reader = asyncio.create_task(self.read())
        await self.rerun()

    async def rerun(self, fragment: str = "", train: bool = False):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.fragment_id = fragment
        state.is_auto_rerun = bool(fragment)
        state.cached_message_hashes.extend(self.cache)
        if train:
            widget = state.widget_states.widgets.add()
            widget.id, widget.trigger_value = self.train_id, True
        self.finished.clear()
        if train:
            self.pressed = time.time()
            self.presses.append(self.pressed)
        await self.socket.send(message.SerializeToString())

    async def tick(self, fragment: str, interval: float):
        while True:
            await asyncio.sleep(interval)
            await self.rerun(fragment)

    async def read(self):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for raw in self.socket:
            now = time.time()
            self.received.append((now, len(raw)))
            message = ForwardMsg()
            message.ParseFromString(raw)
            if message.WhichOneof("type") == "ref_hash":  # one it has: taken from the cache
                if message.ref_hash not in self.cache:
                    continue
                message = ForwardMsg.FromString(self.cache[message.ref_hash])
            elif message.metadata.cacheable:
                self.cache[message.hash] = raw
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = message.new_session.page_script_hash
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self.element(now, message.delta.new_element)
            elif kind == "auto_rerun":
                rerun = message.auto_rerun
                if rerun.fragment_id not in self.tickers:
                    self.tickers[rerun.fragment_id] = asyncio.create_task(
                        self.tick(rerun.fragment_id, rerun.interval))
            elif kind == "stop_auto_rerun":
                for fragment in message.stop_auto_rerun.fragment_ids:
                    if fragment in self.tickers:
                        self.tickers.pop(fragment).cancel()
            elif kind == "script_finished":
                self.finished.set()

    def element(self, now: float, element):
        kind = element.WhichOneof("type")
        if kind == "button" and element.button.label == "Train":
            self.train_id = element.button.id
        elif kind == "progress" and element.progress.text:
            if not self.statuses or self.statuses[-1][1] != element.progress.text:
                self.statuses.append((now, element.progress.text))
        elif kind == "alert" and element.alert.body:
            self.outcomes.append((now, element.alert.body))
        elif kind == "vega_lite_chart" and '"Loss per batch"' in element.vega_lite_chart.spec:
            self.charts.append((now, last_position(element.vega_lite_chart)))

    async def close(self):
        for task in self.tickers.values():
            task.cancel()
        await self.socket.close()
        self.reader.cancel()


def last_position(chart) -> float:
    """The furthest point along the x axis (epochs done) of a per-batch chart's data."""
    import pyarrow as pa

    furthest = 0.0
    for buffer in [chart.data.data] + [dataset.data.data for dataset in chart.datasets]:
        if not buffer:
            continue
        table = pa.ipc.open_stream(buffer).read_all()
        if "position" in table.column_names and table.num_rows:
            furthest = max(furthest, max(value for value in
                                         table.column("position").to_pylist() if value is not None))
    return furthest


def latencies(pages: list[Page], replay_log: pathlib.Path, start: float, end: float):
    """Seconds from each bundle sent in [start, end] to the first chart that showed it; a
    bundle never shown is None."""
    by_seed = {page.seed: page for page in pages}
    waits: list[float | None] = []
    for line in replay_log.read_text().splitlines():
        seed, position, sent = line.split()
        sent = float(sent)
        if not start <= sent <= end or int(seed) not in by_seed:
            continue
        shown = next((at for at, furthest in by_seed[int(seed)].charts
                      if at >= sent and furthest >= float(position) - 1e-4), None)
        waits.append(None if shown is None else shown - sent)
    return waits


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def drive(url: str, learners: int, server_pid: int, replay_log: pathlib.Path,
                epochs: int, window: float = WINDOW) -> dict:
    pages = [Page(number, url, epochs) for number in range(learners)]
    for page in pages:  # one after another, as a class arrives
        await page.open()
    try:
        await asyncio.wait_for(asyncio.gather(*(page.finished.wait() for page in pages)),
                               LOAD_LIMIT)
    except TimeoutError:
        loaded = sum(page.finished.is_set() for page in pages)
        return {"learners": learners, "failed": f"{loaded} of {learners} pages loaded in "
                f"{LOAD_LIMIT:.0f} s", "load_after": load()}
    assert all(page.train_id for page in pages), "a page without Train"
    await asyncio.sleep(2)  # the workers say ready (the page's watch reruns every 10 s)
    pressed = time.time()
    await asyncio.gather(*(page.rerun(train=True) for page in pages))
    # steady from the moment every page shows its run's first point, or after START_LIMIT
    # seconds, when a starved server has not drawn them all (`pages_live` says how many)
    while not all(live(page) for page in pages) and time.time() - pressed < START_LIMIT:
        await asyncio.sleep(0.2)
    start = time.time()
    pages_live = sum(live(page) for page in pages)
    first_point = start - pressed
    cpu_before, load_before = cpu_seconds(server_pid), load()
    end = start + window
    while time.time() < end:
        for page in pages:
            ended = [at for at, text in page.outcomes if text.startswith("Finished")]
            if ended and ended[-1] > page.pressed:  # the run ended: Train again
                await page.rerun(train=True)
        await asyncio.sleep(0.2)
    cpu = cpu_seconds(server_pid) - cpu_before
    memory, load_after = rss_megabytes(server_pid), load()
    await asyncio.sleep(10)  # the last bundles of the window reach the pages
    window = end - start
    received = sum(size for page in pages for at, size in page.received if start <= at <= end)
    redraws = sum(1 for page in pages for at, _ in page.charts if start <= at <= end)
    trains = sum(1 for page in pages for at in page.presses if start <= at <= end)
    waits = latencies(pages, replay_log, start, end)
    shown = [wait for wait in waits if wait is not None]
    for page in pages:
        await page.close()
    return {
        "learners": learners, "window_seconds": round(window, 1),
        "window_after_train": round(first_point, 2), "pages_live": pages_live,
        "server_cpu": round(cpu / window, 3),
        "event_to_chart_p50": round(percentile(shown, 0.5), 3) if shown else None,
        "event_to_chart_p95": round(percentile(shown, 0.95), 3) if shown else None,
        "bundles": len(waits), "bundles_missed": len(waits) - len(shown),
        "bytes_per_second_per_page": round(received / window / learners),
        "redraws_per_second_per_page": round(redraws / window / learners, 2),
        # what a redraw costs, whatever the load lets happen: a starved server redraws less
        "server_cpu_ms_per_redraw": round(1000 * cpu / redraws, 1) if redraws else None,
        "trains_in_window": trains, "server_rss_mb": round(memory),
        "load_before": load_before, "load_after": load_after,
    }


def measure(learners: int, app: pathlib.Path, epochs: int = EPOCHS,
            window: float = WINDOW) -> dict:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="fitlab-server-cost-"))
    replay_log, log = folder / "replay.log", folder / "streamlit.log"
    replay_log.touch()
    try:
        with streamlit_server(log, app=app, start_seconds=120, FITLAB_WORKERS=str(learners),
                              FITLAB_STORE=str(folder / "store"),
                              FITLAB_WORKER_COMMAND=" ".join(replay_worker.command()),
                              FITLAB_REPLAY_LOG=str(replay_log)) as (url, server):
            figures = asyncio.run(drive(url, learners, server.pid, replay_log, epochs, window))
        errors = len(re.findall(r"Traceback", log.read_text()))
        figures["server_tracebacks"] = errors if "failed" not in figures else None
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


COLUMNS = [("learners", "N"), ("pages_live", "pages live"),
           ("server_cpu", "server CPU (cores)"),
           ("event_to_chart_p50", "event→chart p50 (s)"),
           ("event_to_chart_p95", "event→chart p95 (s)"),
           ("bytes_per_second_per_page", "bytes/s per page"),
           ("redraws_per_second_per_page", "redraws/s per page"),
           ("server_cpu_ms_per_redraw", "server CPU ms per redraw"),
           ("server_rss_mb", "server RSS (MB)"), ("load_after", "load")]


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for row in rows:
        if "failed" in row:
            lines.append(f"| {row['learners']} | {row['failed']} |")
            continue
        cells = [str(row[key]) if key != "load_after" else
                 row[key].split("load average:")[-1].strip() for key, _ in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


ESTIMATE = re.compile(r"about (\d+) s to wait")
SHORT_RUN = "train_images=1000&epochs=3"  # a few seconds each: a queue of them in minutes


async def estimates(url: str, learners: int) -> dict:
    """One learner trains first (the instructor's demonstration: the server has timed a
    run), then `learners` press Train together on the server's own trainers. For each, the
    first wait the page showed, against the wait that followed: from that moment to the
    moment the page showed the run past the queue."""
    first = Page(learners, url, query=SHORT_RUN)
    pages = [Page(number, url, query=SHORT_RUN) for number in range(learners)]
    for page in [first, *pages]:
        await page.open()
    for page in [first, *pages]:
        await asyncio.wait_for(page.finished.wait(), 300)
    await first.rerun(train=True)
    while not any(text.startswith("Finished") for _, text in first.outcomes):
        await asyncio.sleep(0.5)
    await asyncio.gather(*(page.rerun(train=True) for page in pages))
    deadline = time.time() + 1800
    while not all(any(text.startswith("Finished") for _, text in page.outcomes)
                  for page in pages):
        if time.time() > deadline:
            raise RuntimeError("the runs did not all finish within 30 minutes")
        await asyncio.sleep(0.5)
    rows = []
    for page in pages:
        started = next((at for at, text in page.statuses
                        if not text.startswith(("Waiting", "Starting the trainer"))), None)
        shown = [(at, int(match.group(1)), text) for at, text in page.statuses
                 if (match := ESTIMATE.search(text))]
        if started is None or not shown:
            rows.append({"estimate": None, "waited": None, "within_30": False})
            continue
        at, estimate, text = shown[0]
        waited = started - at
        rows.append({"estimate": estimate, "waited": round(waited, 1),
                     "within_30": abs(estimate - waited) <= 0.3 * waited,
                     "samples_within_30": sum(
                         abs(value - (started - when)) <= 0.3 * (started - when)
                         for when, value, _ in shown),
                     "samples": len(shown), "how_sure": text[text.index("("):]})
    for page in [first, *pages]:
        await page.close()
    return {"learners": learners, "within_30": sum(row["within_30"] for row in rows),
            "shown": sum(row["estimate"] is not None for row in rows), "runs": rows,
            "load": load()}


def measure_estimates(learners: int, app: pathlib.Path) -> dict:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="fitlab-estimates-"))
    log = folder / "streamlit.log"
    try:  # the server's own trainers: no FITLAB_WORKERS, no FITLAB_WORKER_COMMAND
        with streamlit_server(log, app=app, start_seconds=120, FITLAB_STORE=str(folder / "store"),
                              FITLAB_WORKERS=None, FITLAB_WORKER_COMMAND=None) as (url, _):
            return asyncio.run(estimates(url, learners))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[10, 30, 60])
    parser.add_argument("--app", type=pathlib.Path, default=ROOT,
                        help="the folder of the app to serve (default: this one)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="each run's epochs")
    parser.add_argument("--window", type=float, default=WINDOW,
                        help="seconds measured (under a run's length: no Train again in it)")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here too")
    parser.add_argument("--estimates", type=int, metavar="M",
                        help="instead: M learners press Train together on the server's own "
                             "trainers (real Keras, short runs); each one's first shown wait "
                             "against the wait that followed")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server it started
    if args.estimates:
        figures = measure_estimates(args.estimates, args.app.resolve())
        print(json.dumps(figures))
        print(f"estimate within 30 % of the real wait for {figures['within_30']} of "
              f"{args.estimates} learners ({figures['shown']} were shown one)")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1) + "\n")
        return 0
    rows = []
    for learners in args.learners:
        row = measure(learners, args.app.resolve(), args.epochs, args.window)
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0 if all(row.get("server_tracebacks") == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
