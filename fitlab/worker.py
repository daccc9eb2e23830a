"""A training worker: `python -m fitlab.worker`, started and fed by the pool
(`fitlab.pool.WorkerPool`, through `fitlab.worker_process`).

It speaks `fitlab.protocol`: runs to train and Stop on standard input, progress events on
standard output, `alive` every ALIVE_SECONDS from its first moment. It imports Keras once,
then trains one run after another until its input ends.
"""

from __future__ import annotations

import os
import queue
import sys
import threading

from fitlab.protocol import TYPE, Channel, Event, Message

NICENESS = 10


def main() -> None:
    # Training takes whatever CPU the server leaves: pages stay quick to open and redraw
    # while TensorFlow imports or trains (measured: the first page opened 0.3 s sooner).
    os.nice(NICENESS)
    channel = Channel()
    channel.keep_alive()
    stop, yielding = threading.Event(), threading.Event()
    runs: queue.Queue = queue.Queue()

    def at_end() -> None:  # the server has gone: stop the run in hand, leave nothing behind
        stop.set()
        runs.put(None)

    channel.read_messages(lambda message: take(message, runs, stop, yielding), at_end, "worker")
    train_runs(runs, channel.send, stop.is_set, yielding.is_set)


def take(message: dict, runs: queue.Queue, stop: threading.Event,
         yielding: threading.Event | None = None) -> None:
    """One message from the pool: Stop the run in hand, Yield its trainer at the next
    epoch's end, or a run to train next. A trainer that cannot yield ignores Yield."""
    if message[TYPE] == Message.STOP:
        stop.set()
    elif message[TYPE] == Message.YIELD:
        if yielding is not None:
            yielding.set()
    else:
        stop.clear()  # here, in input order, so a Stop sent right after still counts
        if yielding is not None:
            yielding.clear()
        runs.put(message)


def train_runs(runs: queue.Queue, send, should_stop, should_yield=lambda: False) -> None:
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
    send({TYPE: Event.READY, "device": device_name(), "backend": training.keras.backend.backend()})
    while (message := runs.get()) is not None:
        try:
            training.run(Settings.from_dict(message["settings"]), send, should_stop,
                         save_to=message.get("save_to"), should_yield=should_yield,
                         checkpoint=message.get("checkpoint"), resume=message.get("resume"))
        except Exception as error:  # report every failure as words; the worker stays up
            send({TYPE: Event.FAILED, "reason": training.describe_failure(error)})


if __name__ == "__main__":
    main()
