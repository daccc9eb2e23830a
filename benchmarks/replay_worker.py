"""A worker that replays a recorded real run (benchmarks/recorded/shapes_30_epochs.jsonl, made by
benchmarks/record_run.py) at its real pace: the server sees what a real worker sends, when
it sends it, without the trainers' CPU hiding the server's. For benchmarks/server_cost.py.

It is fitlab.worker's own `main` (heartbeats, Stop on standard input) started by the real
pool through its seam, FITLAB_WORKER_COMMAND, as tests/fake_worker.py is, with the step that
imports Keras, `train_runs`, replaced. Every run replays the same events whatever its
settings, but for its `epochs` and `seed`, which come from the run. With FITLAB_REPLAY_LOG,
each batches event appends a line to that file: the run's seed, the position of its last
batch (epochs done, as the per-batch chart's x axis) and the wall time it was sent, from
which server_cost.py times each point from the worker to the page.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # started as a script

from fitlab import worker  # noqa: E402
from fitlab.protocol import STOPPED, TYPE, Event  # noqa: E402

RECORDED = pathlib.Path(__file__).with_name("recorded") / "shapes_30_epochs.jsonl"


def command() -> list[str]:
    return [sys.executable, str(pathlib.Path(__file__).resolve())]


def recorded(path: pathlib.Path = RECORDED) -> list[tuple[float, dict]]:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(line["at"], line["event"]) for line in lines]


def train_runs(runs, send, should_stop, should_yield=lambda: False) -> None:
    events = recorded()
    log = os.environ.get("FITLAB_REPLAY_LOG")
    send({TYPE: Event.READY, "device": "CPU (TensorFlow)", "backend": "tensorflow"})
    while (message := runs.get()) is not None:
        seed = message["settings"].get("seed")
        steps = next(event["steps_per_epoch"] for _, event in events
                     if event[TYPE] == Event.STARTED)
        begun = time.monotonic()
        for at, event in events:
            time.sleep(max(0.0, begun + at - time.monotonic()))
            if should_stop() and event[TYPE] != Event.END:
                send({TYPE: Event.END, "outcome": STOPPED,
                      "message": "Stopped at your request; the history so far is kept."})
                break
            send(event)
            if log and event[TYPE] == Event.BATCHES and event["records"]:
                epoch, step = event["records"][-1][:2]
                with open(log, "a") as out:  # one short line: appended whole
                    out.write(f"{seed} {epoch - 1 + step / steps:.4f} {time.time():.4f}\n")


if __name__ == "__main__":
    worker.train_runs = train_runs  # the one step that would import Keras
    worker.main()
