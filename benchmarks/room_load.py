"""A class of 60 on one server, each learner training, and the instructor's room redrawn
every 2 s: what one update of the room costs the server, and its CPU while the class trains.

    python benchmarks/room_load.py            # 60 learners, 4 stand-in trainers
    python benchmarks/room_load.py --learners 20 --runs 2

In one process, as the server would: a run store, the pool (its trainers are the tests'
stand-in worker, tests/fake_worker.py, so that the figures are about the server, not about
training), the class (fitlab/classroom.py) and every learner's page's one read of it per
BANNER_SECONDS. Each learner runs `--runs` runs one after another (3,000 images, 10
epochs: 3 s each on the stand-in). Every ROOM_SECONDS the room is updated as its fragment
does: the room's runs and members read from the store, and both charts built and turned
into Vega-Lite (what Streamlit sends). Not measured: the browser's drawing, and
Streamlit's own work per fragment.

Prints one JSON line: the update's median and worst milliseconds (wall clock) and its
median CPU milliseconds (this thread's), the server process's
CPU (user + system seconds over wall seconds, per core) while the class trained, the
learners, runs and room runs seen.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shlex
import statistics
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fake_worker  # noqa: E402

from fitlab import classroom, database, room_charts  # noqa: E402
from fitlab.pool import WorkerPool  # noqa: E402
from fitlab.settings import Settings  # noqa: E402
from fitlab.store import RunStore  # noqa: E402

ROOM_SECONDS = 2.0  # ui/room_view.ROOM_SECONDS
BANNER_SECONDS = 2.0  # ui/class_view.BANNER_SECONDS
RUN = Settings(train_images=3000, epochs=10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    os.environ["FITLAB_WORKER_COMMAND"] = shlex.join(fake_worker.command())
    folder = pathlib.Path(tempfile.mkdtemp(prefix="fitlab-room-load-"))
    store = RunStore(folder)
    classes = classroom.Classroom(database.engine(folder))
    code, key = classes.open()
    learners = [f"{number:032x}" for number in range(1, args.learners + 1)]
    for learner in learners:
        classes.join(code, learner)
    pool = WorkerPool(workers=args.workers, store=store)
    done = threading.Event()

    def learner_runs(learner: str) -> None:
        for _ in range(args.runs):
            job = pool.submit(RUN, owner=learner)
            while job.history.active:
                time.sleep(0.2)

    def banners() -> None:  # every learner's page asks for the instructor's news
        while not done.is_set():
            for learner in learners:
                classes.membership(learner)
            time.sleep(BANNER_SECONDS)

    threads = [threading.Thread(target=learner_runs, args=(learner,)) for learner in learners]
    poller = threading.Thread(target=banners, daemon=True)
    started, cpu = time.monotonic(), time.process_time()
    for thread in threads:
        thread.start()
    poller.start()
    updates, update_cpu, seen = [], [], 0
    try:
        while any(thread.is_alive() for thread in threads):
            begin, begin_cpu = time.perf_counter(), time.thread_time()
            runs = classes.room_runs(code)
            names = {member.learner: member.name for member in classes.members(code)}
            room_charts.scatter(runs, names).to_dict()
            room_charts.curves(runs, names).to_dict()
            classes.ticks(code)
            updates.append((time.perf_counter() - begin) * 1000)
            update_cpu.append((time.thread_time() - begin_cpu) * 1000)
            seen = max(seen, len(runs))
            time.sleep(ROOM_SECONDS)
    finally:
        done.set()
        wall, used = time.monotonic() - started, time.process_time() - cpu
        pool.close()
    print(json.dumps({
        "learners": args.learners, "runs_each": args.runs, "workers": args.workers,
        "room_runs_seen": seen, "updates": len(updates),
        "update_ms_median": round(statistics.median(updates), 1),
        "update_ms_worst": round(max(updates), 1),
        "update_cpu_ms_median": round(statistics.median(update_cpu), 1),
        "server_cpu_per_core": round(used / wall, 3), "wall_seconds": round(wall, 1),
        "cores": os.cpu_count(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
