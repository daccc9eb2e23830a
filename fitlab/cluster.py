"""The server's side of training on a Ray cluster (FITLAB_RAY_ADDRESS): which trainers the
pool starts and how many. Never imports Ray: the trainers' own processes do
(`fitlab.ray_trainer`), so that a server without the switch needs no Ray at all, and one
with it outlives a lost head (see that module for why).
"""

from __future__ import annotations

import json
import subprocess
import sys

from fitlab import config
from fitlab.worker_process import PROJECT_ROOT

PROBE_SECONDS = 60.0


def address() -> str | None:
    """The Ray cluster's address from FITLAB_RAY_ADDRESS ("head:6379" or "auto"), None when
    runs train in this machine's own worker processes."""
    return config.ray_address()


def trainer_command(cluster_address: str) -> list[str]:
    """What the pool starts in place of `python -m fitlab.worker`: one trainer on the cluster."""
    return [sys.executable, "-m", "fitlab.ray_trainer", cluster_address]


def probe(cluster_address: str) -> tuple[dict | None, str]:
    """The cluster's capacity ({"trainers": 12, "machines": 3}) and "", or None and why not."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "fitlab.ray_trainer", "--capacity", cluster_address],
            capture_output=True, text=True, timeout=PROBE_SECONDS, cwd=PROJECT_ROOT)
        report = json.loads(result.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return None, f"the Ray cluster at {cluster_address} did not answer in time"
    except (OSError, ValueError, IndexError):
        return None, f"Fit Lab could not ask the Ray cluster at {cluster_address} its size"
    if "error" in report:
        return None, report["error"]
    return report, ""


def pool_options() -> dict:
    """WorkerPool's arguments for the cluster, or {} for this machine's own workers. The pool
    has as many trainers as the cluster holds (FITLAB_WORKERS caps them, for a server that
    shares the cluster with others), and grows when machines join."""
    cluster_address = address()
    if cluster_address is None:
        return {}
    configured = config.workers()
    if configured:
        workers, grow = configured, False
    else:
        report, _ = probe(cluster_address)
        # A head out of reach at start-up: one trainer keeps trying, and the pool grows
        # once it gets in.
        workers, grow = max(1, report["trainers"] if report else 1), True
    return {"workers": workers, "command": trainer_command(cluster_address),
            "grow_with_cluster": grow}


def capacity_line(report: dict | None) -> str:
    """ "Trainers: 12 on 3 machines", from a trainer's report of its cluster."""
    if not report:
        return ""
    trainers, machines = report["trainers"], report["machines"]
    return (f"Trainers: {trainers} on {machines} machine{'s' if machines != 1 else ''} "
            "of the Ray cluster")
