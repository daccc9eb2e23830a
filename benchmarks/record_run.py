"""Record one real training run's event stream, with each event's time, for
benchmarks/replay_worker.py to replay at its real pace.

    python benchmarks/record_run.py > benchmarks/recorded/lesson_run.jsonl

It runs fitlab.worker's own `train_runs` (real Keras, the worker's warm-up included) in this
process on the lesson's default settings (Shapes, 5,000 images, 10 epochs), and prints
one JSON object a line, {"at": seconds since the run was handed over, "event": {...}}, for
every event after `ready`. `--epochs` and `--train-images` change the run.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import queue
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from fitlab import worker  # noqa: E402
from fitlab.protocol import TYPE, Event  # noqa: E402
from fitlab.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=Settings().epochs)
    parser.add_argument("--train-images", type=int, default=Settings().train_images)
    args = parser.parse_args()
    settings = Settings(epochs=args.epochs, train_images=args.train_images)
    runs: queue.Queue = queue.Queue()
    handed: list[float] = []

    def send(event: dict) -> None:
        if event[TYPE] == Event.READY:  # warm: hand the run over now, and time from here
            handed.append(time.monotonic())
            runs.put({"settings": settings.to_dict()})
            runs.put(None)
            return
        print(json.dumps({"at": round(time.monotonic() - handed[0], 4), "event": event}),
              flush=True)

    worker.train_runs(runs, send, lambda: False)


if __name__ == "__main__":
    main()
