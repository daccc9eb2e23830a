"""Throughput of Fit Lab's engine against bare `model.fit`, alternated in one run.

    python benchmarks/overhead.py [--pairs 3] [--epochs 3] [--train-images 5000]

Both sides train the same model on the same images with the same settings and seed. The
bare side calls `model.fit`. The Fit Lab side calls `training.run` with its progress
callback, sends each event as a JSON line through a pipe as a worker does, folds the lines
into a RunHistory on the other end as the server does, and redraws the charts from it twice
a second as the page does; all of that in this one process, so that it competes with
training for the same cores and the GIL: a worst case. Prints the ratio of throughputs
(images per second, Fit Lab / bare) for each pair and their median. Goal: at least 0.97.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from fitlab import charts, data, models, training  # noqa: E402
from fitlab.history import RunHistory  # noqa: E402
from fitlab.settings import Settings  # noqa: E402

import keras  # noqa: E402


def bare_fit(settings: Settings) -> float:
    """Seconds `model.fit` takes, the lesson's way, with no callback of ours."""
    keras.utils.set_random_seed(settings.seed)
    x, y, _, _, names = training.load_dataset(settings.dataset)
    split = data.split_for_training(x, y, settings.train_images, len(names),
                                    settings.label_encoding)
    model = models.build_model(split.x_train.shape[1:], split.num_classes)
    model.compile(optimizer=training.make_optimizer(settings), loss=settings.loss,
                  metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(split.x_train, split.y_train, batch_size=settings.batch_size,
              epochs=settings.epochs, validation_data=(split.x_val, split.y_val), verbose=0)
    return time.perf_counter() - started


def fitlab_fit(settings: Settings) -> float:
    """Seconds from the `started` event to the `end` event of a Fit Lab run, watched live."""
    read_end, write_end = os.pipe()
    history = RunHistory(settings)
    lock = threading.Lock()
    times = {}

    def server_reader():  # the server's side of a worker's pipe
        with os.fdopen(read_end) as lines:
            for line in lines:
                event = json.loads(line)
                with lock:
                    history.apply(event)

    def page_poller():  # the page's fragment, twice a second
        while "end" not in times:
            with lock:
                snapshot = history.copy()
            if snapshot.batches:
                for chart in (charts.epoch_chart(snapshot, "loss"),
                              charts.epoch_chart(snapshot, "accuracy"),
                              charts.batch_chart(snapshot)):
                    chart.to_json()
            time.sleep(0.5)

    reader = threading.Thread(target=server_reader)
    poller = threading.Thread(target=page_poller)
    reader.start()
    poller.start()
    with os.fdopen(write_end, "w", buffering=1) as pipe:
        def send(event):
            if event["type"] in ("started", "end"):
                times[event["type"]] = time.perf_counter()
            pipe.write(json.dumps(event) + "\n")

        training.run(settings, send)
    reader.join()
    poller.join()
    return times["end"] - times["started"]


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit Lab's engine against bare model.fit")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-images", type=int, default=5000)
    parser.add_argument("--dataset", default="shapes")
    args = parser.parse_args()
    settings = Settings(dataset=args.dataset, epochs=args.epochs,
                        train_images=args.train_images)
    images = min(args.train_images, data.describe(args.dataset).train_size) * 0.8 * args.epochs
    bare_fit(settings.replace(epochs=1))  # warm up: data loaded, kernels compiled
    ratios = []
    for pair in range(args.pairs):
        bare = bare_fit(settings)
        ours = fitlab_fit(settings)
        ratios.append(bare / ours)
        print(f"pair {pair + 1}: bare {images / bare:.0f} images/s, "
              f"Fit Lab {images / ours:.0f} images/s, ratio {bare / ours:.3f}", flush=True)
    print(f"throughput ratio, Fit Lab / bare model.fit (median of {args.pairs}): "
          f"{statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
