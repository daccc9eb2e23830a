"""Throughput of Fit Lab's engine against bare `model.fit`, alternated in one run.

    python benchmarks/overhead.py [--pairs 3] [--epochs 3] [--train-images 5000]

Both sides train the same model on the same images with the same settings and seed. The
bare side calls `model.fit` in this process. The Fit Lab side submits the run to a real
WorkerPool: a worker process trains it with the progress callback and sends its events
over a pipe, and this process, standing in for the server, folds them into the run's
history and redraws the three charts from it twice a second as the page does, on the same
two cores. Both sides time `fit` alone (from before the first batch to after the last
validation). Prints the ratio of throughputs (Fit Lab / bare) for each pair, and their
median. Goal: at least 0.97.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from fitlab import charts, data, training  # noqa: E402
from fitlab.pool import WorkerPool  # noqa: E402
from fitlab.protocol import FINISHED  # noqa: E402
from fitlab.settings import Settings  # noqa: E402


def bare_fit(settings: Settings) -> float:
    """Seconds `model.fit` takes, the lesson's way, with no callback of ours."""
    keras.utils.set_random_seed(settings.seed)
    split = training.load_and_prepare(settings).split
    # The engine's own compile, steps_per_execution included, so that the ratio measures the
    # callbacks and the polling alone (benchmarks/keras_options.py measures what
    # steps_per_execution gains).
    model = training.build_and_compile(settings, split)
    started = time.perf_counter()
    training.fit(model, settings, split)
    return time.perf_counter() - started


def fitlab_fit(pool: WorkerPool, settings: Settings) -> float:
    """Training seconds of a run in a Fit Lab worker, watched live as the page watches it."""
    job = pool.submit(settings)
    while job.history.active:  # the page's fragment, twice a second
        snapshot = job.snapshot()
        if snapshot.batches:
            for chart in (charts.epoch_chart(snapshot, "loss"),
                          charts.epoch_chart(snapshot, "accuracy"),
                          charts.batch_chart(snapshot)):
                chart.to_json()
        time.sleep(0.5)
    history = job.snapshot()
    if history.state != FINISHED:
        raise RuntimeError(f"the Fit Lab run ended {history.state}: {history.message}")
    return history.epochs[-1]["seconds"]


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
    pool = WorkerPool(workers=1)
    bare_fit(settings.replace(epochs=1))  # warm up both: data loaded, kernels compiled
    fitlab_fit(pool, settings.replace(epochs=1))
    ratios = []
    for pair in range(args.pairs):
        bare = bare_fit(settings)
        ours = fitlab_fit(pool, settings)
        ratios.append(bare / ours)
        print(f"pair {pair + 1}: bare {images / bare:.0f} images/s, "
              f"Fit Lab {images / ours:.0f} images/s, ratio {bare / ours:.3f}", flush=True)
    print(f"throughput ratio, Fit Lab / bare model.fit (median of {args.pairs}): "
          f"{statistics.median(ratios):.3f}")
    pool.close()


if __name__ == "__main__":
    main()
