"""Bytes each chart redraw sends, and the server's time to make them, for a lesson-sized
run at 10 and at 50 epochs.

    python benchmarks/redraw_cost.py

A redraw sends the three Vega-Lite specs with their data. Batch records are thinned to
fitlab.charts.MAX_POINTS, so the cost stops growing with the length of the run. The time
is the median of 15 builds of the three charts and their JSON, after one to warm up: the
server spends it twice a second for each run that trains.
"""

from __future__ import annotations

import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from fitlab import charts  # noqa: E402
from fitlab.history import RunHistory  # noqa: E402
from fitlab.settings import Settings  # noqa: E402

STEPS_PER_EPOCH = 125  # 4,000 training images in batches of 32


def finished_history(epochs: int) -> RunHistory:
    history = RunHistory(Settings(epochs=epochs))
    history.apply({"type": "started", "steps_per_epoch": STEPS_PER_EPOCH, "device": "CPU",
                   "class_names": [str(n) for n in range(8)], "epochs": epochs})
    for epoch in range(1, epochs + 1):
        history.apply({"type": "batches", "records": [
            [epoch, step, 2.0 / (epoch + step / STEPS_PER_EPOCH), 0.5, epoch * 1.3]
            for step in range(1, STEPS_PER_EPOCH + 1)]})
        history.apply({"type": "epoch", "epoch": epoch, "loss": 2 / epoch, "accuracy": 0.5,
                       "val_loss": 2.1 / epoch, "val_accuracy": 0.45, "seconds": epoch * 1.3})
    return history


def redraw_bytes(history: RunHistory) -> int:
    return sum(len(chart.to_json().encode()) for chart in (
        charts.epoch_chart(history, "loss"), charts.epoch_chart(history, "accuracy"),
        charts.batch_chart(history)))


def redraw_milliseconds(history: RunHistory, times: int = 15) -> float:
    def once() -> float:
        started = time.perf_counter()
        redraw_bytes(history)
        return (time.perf_counter() - started) * 1000

    once()
    return statistics.median(once() for _ in range(times))


if __name__ == "__main__":
    for epochs in (10, 50):
        history = finished_history(epochs)
        print(f"{epochs} epochs, {len(history.batches):,} batch records: "
              f"{redraw_bytes(history):,} bytes per redraw, "
              f"made in {redraw_milliseconds(history):.0f} ms (median)")
