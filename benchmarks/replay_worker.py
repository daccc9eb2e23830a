"""A worker that replays a recorded real run (benchmarks/recorded/shapes_30_epochs.jsonl, made by
benchmarks/record_run.py) at its real pace: the server sees what a real worker sends, when
it sends it, without the trainers' CPU hiding the server's. For benchmarks/server_cost.py.

It is fitlab.worker's own `main` (heartbeats, Stop on standard input) started by the real
pool through its seam, FITLAB_WORKER_COMMAND, as tests/fake_worker.py is, with the step that
imports Keras, `train_runs`, replaced. Every run replays the same events whatever its
settings, but for its seed, and for its epochs: a run of more epochs than were recorded
goes on with the recorded last REPEATED epochs again, in turn, at their pace, renumbered
(a loss that stays on its plateau), so that a benchmark can run long enough for every page
of a class to be watching. With FITLAB_REPLAY_LOG,
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

REPEATED = 10
RECORDED = pathlib.Path(__file__).with_name("recorded") / "shapes_30_epochs.jsonl"


def command() -> list[str]:
    return [sys.executable, str(pathlib.Path(__file__).resolve())]


def recorded(path: pathlib.Path = RECORDED) -> list[tuple[float, dict]]:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(line["at"], line["event"]) for line in lines]


def _epoch_of(event: dict) -> int | None:
    if event[TYPE] == Event.BATCHES and event["records"]:
        return event["records"][0][0]
    return event.get("epoch") if event[TYPE] in (Event.EPOCH, Event.EVALUATION) else None


def schedule(events: list[tuple[float, dict]], epochs: int) -> list[tuple[float, dict]]:
    """The recorded events for a run of `epochs` epochs (see the module's docstring)."""
    by_epoch: dict[int, list[tuple[float, dict]]] = {}
    before, after = [], []
    for at, event in events:
        epoch = _epoch_of(event)
        if epoch is not None:
            by_epoch.setdefault(epoch, []).append((at, event))
        else:
            (after if by_epoch else before).append((at, event))
    recorded_epochs = max(by_epoch)
    ends = {epoch: by_epoch[epoch][-1][0] for epoch in by_epoch}
    out = [(at, {**event, "epochs": epochs} if event[TYPE] == Event.STARTED else event)
           for at, event in before]
    shift = 0.0
    for epoch in range(1, epochs + 1):
        source = epoch if epoch <= recorded_epochs else \
            recorded_epochs - REPEATED + 1 + (epoch - recorded_epochs - 1) % REPEATED
        if epoch > recorded_epochs:  # this epoch starts where the last one ended
            shift = out[-1][0] - ends[source - 1]
        for at, event in by_epoch[source]:
            event = json.loads(json.dumps(event))
            if event[TYPE] == Event.BATCHES:
                for record in event["records"]:
                    record[0], record[4] = epoch, record[4] + shift
            else:
                event["epoch"] = epoch
                if "seconds" in event:
                    event["seconds"] += shift
            out.append((at + shift, event))
    last = out[-1][0]
    for at, event in after:  # as long after the last epoch as recorded
        if event[TYPE] == Event.END and epochs != recorded_epochs:
            event = {**event, "message": event["message"].replace(
                str(recorded_epochs), str(epochs))}
        out.append((last + at - ends[recorded_epochs], event))
    return out


def train_runs(runs, send, should_stop, should_yield=lambda: False) -> None:
    recording = recorded()
    log = os.environ.get("FITLAB_REPLAY_LOG")
    send({TYPE: Event.READY, "device": "CPU (TensorFlow)", "backend": "tensorflow"})
    while (message := runs.get()) is not None:
        seed = message["settings"].get("seed")
        events = schedule(recording, message["settings"].get("epochs", 10))
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
