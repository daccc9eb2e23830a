"""Learners per trainer per minute on a Ray cluster: a head and a second node on loopback.

    python benchmarks/ray_cluster.py [--learners 6] [--cpus-per-node 1]

Starts the cluster the tests start (tests/ray_cluster.py: `ray start`, token authentication
on), a WorkerPool as the server makes it with FITLAB_RAY_ADDRESS (one trainer per node, each
asking for --cpus-per-node CPUs), waits until its trainers are warm, then submits the
lesson's default run (Shapes, 5,000 images, 10 epochs) for N learners at once. Prints one
JSON line: seconds per run (from its start to its end), the whole workshop's seconds, and
learners per trainer per minute. Figures are in docs/scaling.md.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import ray_cluster  # noqa: E402

from fitlab import cluster as fitlab_cluster  # noqa: E402
from fitlab.pool import WorkerPool  # noqa: E402
from fitlab.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=6)
    parser.add_argument("--cpus-per-node", type=int, default=1)
    args = parser.parse_args()
    ray_cluster.NODE_CPUS = args.cpus_per_node
    with ray_cluster.local_cluster(pathlib.Path(tempfile.mkdtemp())) as cluster:
        os.environ.update(cluster.environment, FITLAB_RAY_ADDRESS=cluster.address,
                          FITLAB_RAY_CPUS=str(args.cpus_per_node))
        pool = WorkerPool(**fitlab_cluster.pool_options())
        while pool.warm_workers < pool.size:
            time.sleep(0.5)
        started = time.monotonic()
        jobs = [pool.submit(Settings(), owner=f"learner{number}")
                for number in range(args.learners)]
        while any(job.history.active for job in jobs):
            time.sleep(0.5)
        total = time.monotonic() - started
        runs = [job.history.elapsed() for job in jobs]
        states = sorted({job.history.state for job in jobs})
        pool.close()
    print(json.dumps({
        "trainers": pool.size, "cpus_per_trainer": args.cpus_per_node,
        "learners": args.learners, "states": states,
        "run_seconds_median": round(statistics.median(runs), 1),
        "total_seconds": round(total, 1),
        "learners_per_trainer_per_minute": round(args.learners / pool.size / (total / 60), 2),
    }))


if __name__ == "__main__":
    main()
