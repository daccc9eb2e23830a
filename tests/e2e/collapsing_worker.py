"""tests/fake_worker.py (scripted curves, no Keras: the layout tests' assertions are about the
page, not about Keras), except that a run the stand-in would end as diverged ends as
collapsed instead, with Fit Lab's longest explanation: what Adam at 1.0 does under
TensorFlow in Fit Lab's measured runs (the "Learning rate too high" scenario's note), and
the longest outcome the page must place. Started as FITLAB_WORKER_COMMAND by
tests/e2e/test_layout.py."""

from __future__ import annotations

import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tests/, for fake_worker
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))  # the repository

import fake_worker  # noqa: E402

from fitlab import diagnosis, worker  # noqa: E402
from fitlab.protocol import TYPE, Event  # noqa: E402

_scripted = fake_worker.run


def run(settings, send, should_stop, **options):
    def collapsing(event: dict) -> None:
        if event.get(TYPE) == Event.END and event.get("outcome") == diagnosis.DIVERGED:
            event = {**event, "outcome": diagnosis.COLLAPSED, "message": diagnosis.explain(
                diagnosis.COLLAPSED, learning_rate=settings.learning_rate, epoch=1,
                num_classes=8, peak_loss=12_345.0, optimizer=settings.optimizer,
                live_units=0, loss=math.log(8))}
        send(event)
    return _scripted(settings, collapsing, should_stop, **options)


if __name__ == "__main__":
    fake_worker.run = run
    worker.train_runs = fake_worker.train_runs  # the one step that would import Keras
    worker.main()
