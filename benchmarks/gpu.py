"""Fit Lab on the device this machine trains on, one JSON line per figure, unattended.

    python benchmarks/gpu.py [--quick] [--learners 32] [--workers 4 8 16] [--dataset PATH]

Meant for a GPU server (KERAS_BACKEND chooses the backend, as for the app): it prints the
figures issue 13 asked for, each as one JSON object on a line of its own, so that a run's
output can be pasted or compared as it is. Everything else (Keras' and the workers' chatter)
goes to standard error. The lines, in order (docs/performance.md, "GPU benchmark"):

- device: the device and backend the workers report, Keras' and the backend's versions
- first_point: three lesson runs, one after another, in a warm pool of one worker: seconds
  from submit to the first "batches" event, and to the end of each run
- seconds_per_epoch: `fit` seconds an epoch on 40,000 Shapes pictures (50,000 before the
  validation split), Fit Lab's worker and bare `model.fit`
- overhead: Fit Lab's throughput over bare `model.fit`'s, per pair and their median
  (benchmarks/overhead.py's functions)
- lesson_run: `python -m fitlab train` on the lesson's data set for 10 epochs, wall seconds
  (imports included) and training seconds
- workshop: one line per worker count: N learners submit a lesson run at once to a fresh
  warm pool of W workers; median and worst first point, and seconds until all have finished

Every line has "figure", "device", "backend" and "quick". `--quick` makes each figure small
(tiny Shapes runs, 2,000 pictures for the epoch figures, 4 learners on 2 workers): about a
minute on 2 CPU cores. CI runs it (tests/test_benchmarks.py) so that it cannot rot.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import keras  # noqa: E402  (imported by overhead.py already)
from lesson_run import lesson_run  # noqa: E402
from overhead import bare_fit, fitlab_fit  # noqa: E402

from fitlab import data, shapes  # noqa: E402
from fitlab.pool import WorkerPool, default_worker_count  # noqa: E402
from fitlab.protocol import FINISHED  # noqa: E402
from fitlab.settings import Settings  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
LESSON_DATA = ROOT.parent / "shared" / "data" / "cifar10-subset.npz"
EPOCH_IMAGES = 50_000  # 40,000 to train on, 10,000 to validate
POLL_SECONDS = 0.005
# The distributions each backend's version is read from.
BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


class Output:
    """The JSON lines, on the standard output this process started with; whatever else is
    printed to it (by Keras, by a library) goes to standard error instead."""

    def __init__(self, quick: bool):
        self.stream = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        self.common = {"device": "", "backend": keras.backend.backend(), "quick": quick}

    def line(self, figure: str, **values) -> None:
        rounded = {key: _round(value) for key, value in values.items()}
        self.stream.write(json.dumps({"figure": figure, **self.common, **rounded}) + "\n")


def _round(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, list):
        return [_round(each) for each in value]
    return value


def warm_pool(workers: int) -> WorkerPool:
    """A pool whose workers have all imported Keras and said they are ready."""
    pool = WorkerPool(workers=workers)
    deadline = time.monotonic() + 300
    while pool.warm_workers < workers:
        if pool.problem or time.monotonic() > deadline:
            raise RuntimeError(pool.problem or "the workers did not start within 300 s")
        time.sleep(0.05)
    return pool


def watch(jobs, submitted: float) -> tuple[list[float], list[float]]:
    """Seconds from `submitted` to each job's first batches, and to its end."""
    first: dict[int, float] = {}
    ended: dict[int, float] = {}
    while len(ended) < len(jobs):
        now = time.monotonic()
        for number, job in enumerate(jobs):
            if number not in first and job.history.batches:
                first[number] = now - submitted
            if number not in ended and not job.history.active:
                ended[number] = now - submitted
                if job.history.state != FINISHED:
                    raise RuntimeError(f"a run ended {job.history.state}: "
                                       f"{job.history.message}")
        time.sleep(POLL_SECONDS)
    return [first[number] for number in range(len(jobs))], [ended[n] for n in range(len(jobs))]


def first_points(output: Output, pool: WorkerPool, settings: Settings) -> None:
    firsts, wholes = [], []
    for _ in range(3):
        submitted = time.monotonic()
        job = pool.submit(settings)
        first, whole = watch([job], submitted)
        firsts += first
        wholes += whole
    output.common["device"] = job.history.device
    output.common["backend"] = job.history.info.get("backend", output.common["backend"])
    backend = output.common["backend"]
    try:
        backend_version = importlib.metadata.version(BACKEND_PACKAGES.get(backend, backend))
    except importlib.metadata.PackageNotFoundError:
        backend_version = ""
    output.line("device", keras=keras.__version__, backend_version=backend_version,
                cpus=os.cpu_count())
    output.line("first_point", seconds=firsts, run_seconds=wholes,
                median=statistics.median(firsts), settings=_described(settings))


def epochs(output: Output, pool: WorkerPool, settings: Settings, pairs: int) -> None:
    bare_fit(settings.replace(epochs=1))  # warm up both, as overhead.py does
    fitlab_fit(pool, settings.replace(epochs=1))
    bare, ours = [], []
    for _ in range(pairs):
        bare.append(bare_fit(settings))
        ours.append(fitlab_fit(pool, settings))
    images = round(settings.train_images * 0.8)
    output.line("seconds_per_epoch", images=images, batch_size=settings.batch_size,
                fitlab=statistics.median(ours) / settings.epochs,
                bare_fit=statistics.median(bare) / settings.epochs)
    ratios = [b / o for b, o in zip(bare, ours)]
    output.line("overhead", ratio=statistics.median(ratios), pairs=ratios, images=images)


def workshop(output: Output, learners: int, workers: int, settings: Settings) -> None:
    pool = warm_pool(workers)
    try:
        submitted = time.monotonic()
        jobs = [pool.submit(settings, owner=f"learner-{number}") for number in range(learners)]
        firsts, ends = watch(jobs, submitted)
    finally:
        pool.close()
    output.line("workshop", learners=learners, workers=workers,
                first_point_median=statistics.median(firsts), first_point_worst=max(firsts),
                total=max(ends), settings=_described(settings))


def _described(settings: Settings) -> dict:
    return {"dataset": pathlib.Path(settings.dataset).name, "epochs": settings.epochs,
            "train_images": settings.train_images, "batch_size": settings.batch_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small figures, about a minute on 2 CPU cores (CI runs this)")
    parser.add_argument("--learners", type=int, help="workshop learners (default 32, quick 4)")
    parser.add_argument("--workers", type=int, nargs="+",
                        help="workshop worker counts, a line each (default: the server's "
                        "default for this machine; quick: 2)")
    parser.add_argument("--dataset", help="the lesson runs' data set (default: the CIFAR-10 "
                        "subset beside the project if it is there, else Shapes)")
    parser.add_argument("--pairs", type=int, help="overhead pairs (default 2, quick 1)")
    args = parser.parse_args()
    quick = args.quick
    output = Output(quick)
    lesson_data = args.dataset or (str(LESSON_DATA) if LESSON_DATA.exists() and not quick
                                   else data.SHAPES)
    if quick:
        lesson = Settings(dataset=lesson_data, train_images=300, epochs=1)
        lesson_flags = ("--train-images", "300", "--epochs", "1")
    else:
        lesson, lesson_flags = Settings(dataset=lesson_data, epochs=10), ()

    pool = warm_pool(1)
    try:
        first_points(output, pool, lesson)
        with tempfile.TemporaryDirectory() as folder:
            if quick:
                epoch_settings = Settings(train_images=2000, epochs=1)
            else:
                path = pathlib.Path(folder) / "shapes-50000.npz"
                (x_train, y_train), (x_test, y_test) = shapes.shapes(
                    seed=0, train_size=EPOCH_IMAGES, test_size=500)
                np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test,
                              y_test=y_test)
                epoch_settings = Settings(dataset=str(path), train_images=EPOCH_IMAGES,
                                          epochs=3)
            epochs(output, pool, epoch_settings, args.pairs or (1 if quick else 2))
    finally:
        pool.close()

    run = lesson_run(lesson_data, *lesson_flags)
    output.line("lesson_run", wall=run["wall"], training=run["training"],
                val_accuracy=run["val_accuracy"], settings=_described(lesson))

    learners = args.learners or (4 if quick else 32)
    for workers in args.workers or [2 if quick else default_worker_count()]:
        workshop(output, learners, workers, lesson)


if __name__ == "__main__":
    main()
