"""A training worker: `python -m fitlab.worker`, started and fed by `fitlab.jobs.WorkerPool`.

It reads JSON lines on standard input ({"type": "train", "settings": {...}, "save_to": ...}
or {"type": "stop"}) and writes progress events as JSON lines on standard output, with an
{"type": "alive"} line every ALIVE_SECONDS from its first moment, so that the pool can tell
a worker that is busy from one that has frozen. It imports Keras once, then trains one run
after another until its input ends.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time

NICENESS = 10
ALIVE_SECONDS = 2.0
# The events a worker sends and the keys each must carry: the pool reads every line against
# this, so that a line it cannot use ends that worker's run in words, not in a dead thread.
EVENTS = {
    "alive": (), "ready": ("device",), "download": ("title", "done", "total"),
    "started": ("steps_per_epoch", "train_images", "validation_images"),
    "batches": ("records",), "epoch": ("epoch",), "evaluation": (), "saved": ("path",),
    "end": ("outcome", "message"), "failed": ("reason",),
    # A worker's last words before it exits, when it can say why (a Ray trainer whose
    # machine left the cluster): the pool ends the run in hand with them.
    "gone": ("reason",),
}


class ProtocolError(EOFError):
    """A worker wrote what no worker writes: the pool treats it as a worker that has died."""


def read_event(line: str) -> dict:
    """One event, as a worker writes it; ProtocolError for anything else."""
    if not line.endswith("\n"):
        raise ProtocolError("it was cut off in the middle of a message")
    try:
        event = json.loads(line)
    except ValueError:
        raise ProtocolError("it sent a line that is not JSON") from None
    if not (isinstance(event, dict) and event.get("type") in EVENTS
            and all(key in event for key in EVENTS[event["type"]])):
        raise ProtocolError("it sent a message Fit Lab does not know")
    return event


def main() -> None:
    # Training takes whatever CPU the server leaves: pages stay quick to open and redraw
    # while TensorFlow imports or trains (measured: the first page opened 0.3 s sooner).
    os.nice(NICENESS)
    # Our events own standard output; anything a library prints goes to the server's log.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    writing = threading.Lock()  # one whole line at a time, from the trainer or the heartbeat

    def send(event: dict) -> None:
        line = json.dumps(event) + "\n"
        with writing:
            protocol.write(line)

    def heartbeat() -> None:
        while True:
            time.sleep(ALIVE_SECONDS)
            try:
                send({"type": "alive"})
            except (OSError, ValueError):  # the server has gone; the reader ends the worker
                return

    threading.Thread(target=heartbeat, daemon=True).start()
    stop = threading.Event()
    runs: queue.Queue = queue.Queue()

    def read_input() -> None:
        for line in sys.stdin:
            try:
                take(json.loads(line), runs, stop)
            except (ValueError, TypeError, KeyError):  # not from the pool: say so, go on
                print(f"fitlab worker: ignored an unreadable message {line[:80]!r}",
                      file=sys.stderr)
        # End of input: the server has gone. Stop the run in hand and leave nothing behind.
        stop.set()
        runs.put(None)

    threading.Thread(target=read_input, daemon=True).start()

    train_runs(runs, send, stop.is_set)


def take(message: dict, runs: queue.Queue, stop: threading.Event) -> None:
    """One message from the pool: Stop the run in hand, or a run to train next."""
    if message["type"] == "stop":
        stop.set()
    else:
        stop.clear()  # here, in input order, so a Stop sent right after still counts
        runs.put(message)


def train_runs(runs: queue.Queue, send, should_stop) -> None:
    """Import Keras, say `ready`, then train each run taken from `runs` until a None. A
    worker's whole life after its start-up, shared with the Ray trainers
    (`fitlab.ray_trainer`), so that a run trains the same wherever it trains."""
    from fitlab import training  # the slow import (TensorFlow: 3-5 s), paid once per worker
    from fitlab.devices import device_name
    from fitlab.settings import Settings

    try:  # ready means quick to a first point: the default run is compiled first
        training.warm_up()
    except Exception as error:  # a warm-up that fails costs only time; the run will say why
        print(f"fitlab worker: could not warm up: {training.describe_failure(error)}",
              file=sys.stderr)
    # The device names the backend too ("CPU (JAX)"); "backend" is Keras' own name for it.
    send({"type": "ready", "device": device_name(), "backend": training.keras.backend.backend()})
    while (message := runs.get()) is not None:
        try:
            training.run(Settings.from_dict(message["settings"]), send, should_stop,
                         save_to=message.get("save_to"))
        except Exception as error:  # report every failure as words; the worker stays up
            send({"type": "failed", "reason": training.describe_failure(error)})


if __name__ == "__main__":
    main()
