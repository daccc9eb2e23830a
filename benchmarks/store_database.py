"""The run store's speed on SQLite and on PostgreSQL, one JSON line per database and figure.

    FITLAB_TEST_DATABASE_URL=$(bash scripts/postgres.sh) python benchmarks/store_database.py

What a class asks of the store (fitlab/store.py): a run's record written at each epoch
(`save`, an upsert of its history as JSON), the Your runs page reading a learner's runs
(`runs`, 10 of them), a tab's `seen` every few minutes, and the pool's look for runs left
active (`left_active`). Each is timed over `--seconds` on one thread, and `save` also on
`--threads` threads at once (servers' threads, or several servers, writing together).
SQLite is the store folder's runs.sqlite; PostgreSQL is a fresh database on the server of
FITLAB_TEST_DATABASE_URL (skipped when it is not set). The records are lesson-sized: 10
epochs of six metrics and a point per 8 batches of 125, as the pool writes them.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile
import threading
import time

import sqlalchemy

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from fitlab import database  # noqa: E402
from fitlab.settings import Settings  # noqa: E402
from fitlab.store import RunStore  # noqa: E402

LEARNERS, RUNS_EACH = 30, 10


def record(number: int) -> dict:
    metrics = ("loss", "accuracy", "val_loss", "val_accuracy", "seconds", "learning_rate")
    return {"settings": Settings().to_dict(), "state": "finished", "message": "Finished.",
            "epochs": [{name: 1.0 / (epoch + number + 1) for name in metrics}
                       for epoch in range(10)],
            "batches": [{"epoch": batch // 16, "batch": batch, "loss": 2.3 / (batch + 1)}
                        for batch in range(0, 1250, 8)]}


def rate(operation, seconds: float, threads: int = 1) -> float:
    """Operations a second, `threads` of them calling `operation(i)` for `seconds`."""
    done = [0] * threads
    deadline = time.perf_counter() + seconds

    def loop(slot):
        count = 0
        while time.perf_counter() < deadline:
            operation(slot * 1_000_000 + count)
            count += 1
        done[slot] = count

    workers = [threading.Thread(target=loop, args=(slot,)) for slot in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - started)


def measure(name: str, folder: pathlib.Path, seconds: float, threads: int) -> None:
    store = RunStore(folder)
    learners = [f"{number:032x}" for number in range(LEARNERS)]
    for learner in learners:
        store.seen(learner)
        for number in range(1, RUNS_EACH + 1):
            store.save(f"{learner}-{number}", learner, number, False, record(number))
    size = len(json.dumps(record(1)))

    def save(i):
        learner = learners[i % LEARNERS]
        store.save(f"{learner}-{i % RUNS_EACH + 1}", learner, i % RUNS_EACH + 1, True,
                   record(i % RUNS_EACH + 1))

    figures = {
        "save": rate(save, seconds),
        f"save_{threads}_threads": rate(save, seconds, threads),
        "runs": rate(lambda i: store.runs(learners[i % LEARNERS]), seconds),
        "seen": rate(lambda i: store.seen(learners[i % LEARNERS], add=False), seconds),
        "left_active": rate(lambda i: store.left_active(), seconds),
    }
    for figure, per_second in figures.items():
        print(json.dumps({"database": name, "figure": figure,
                          "per_second": round(per_second, 1), "record_bytes": size}),
              flush=True)
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time for each figure")
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args()
    given = os.environ.pop("FITLAB_TEST_DATABASE_URL", "")
    os.environ.pop("FITLAB_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as folder:
        measure("sqlite", pathlib.Path(folder), options.seconds, options.threads)
    if not given:
        print("FITLAB_TEST_DATABASE_URL is not set: PostgreSQL not measured", file=sys.stderr)
        return
    server = sqlalchemy.engine.make_url(given).set(drivername="postgresql+psycopg")
    name = f"fitlab_bench_{os.getpid()}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        os.environ["FITLAB_DATABASE_URL"] = server.set(database=name).render_as_string(
            hide_password=False)
        with tempfile.TemporaryDirectory() as folder:
            measure("postgresql", pathlib.Path(folder), options.seconds, options.threads)
        for engine in database._engines.values():
            engine.dispose()
    finally:
        with admin.connect() as db:
            db.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
