"""Runs on a real Ray cluster: a head and a second node started with `ray start` on the
loopback address, token authentication on, real Keras runs on tiny data. The pool is the
server's own (`WorkerPool` with `fitlab.cluster.pool_options()`), as ui/state.py makes it.

The tests share one cluster and run in this order: the command line, the pool, its faults
(a trainer killed, a node gone, the head gone and back), each leaving the cluster whole.
This process never joins the cluster itself: what it asks Ray goes through subprocesses."""

import importlib.util
import json
import os
import signal
import subprocess
import sys

import pytest
from ray_cluster import ROOT, local_cluster
from waiting import wait_until as waiting_for

from fitlab import cluster as fitlab_cluster
from fitlab.pool import WorkerPool
from fitlab.settings import Settings

pytestmark = [pytest.mark.ray,
              pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                 reason="Ray is not installed (requirements-ray.txt)")]

TINY = Settings(train_images=300, epochs=2)
LONG = Settings(train_images=5000, epochs=50)  # stopped, or failed, long before its end


def wait_until(condition, seconds=180):  # a cluster's trainers start slower than workers
    waiting_for(condition, seconds)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with local_cluster(tmp_path_factory.mktemp("ray")) as running:
        saved = dict(os.environ)
        os.environ.update(running.environment, FITLAB_RAY_ADDRESS=running.address,
                          FITLAB_RAY_CPUS="1")
        os.environ.pop("FITLAB_WORKERS", None)
        try:
            yield running
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.fixture(scope="module")
def pool(cluster):
    pool = WorkerPool(**fitlab_cluster.pool_options())
    yield pool
    pool.close()


def test_the_command_line_sends_its_run_to_the_cluster(cluster):
    # First: the pool, once started, holds every trainer the cluster has room for.
    result = subprocess.run(
        [sys.executable, "-m", "fitlab", "train", "--ray", cluster.address,
         "--train-images", "300", "--epochs", "2", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    epochs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [epoch["epoch"] for epoch in epochs] == [1, 2]
    assert "fitlab: finished" in result.stderr


def test_a_cluster_out_of_reach_is_one_line_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "fitlab", "train", "--ray", "127.0.0.1:9", "--epochs", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "fitlab: failed: the Ray cluster's head at 127.0.0.1:9 does not answer")


def test_the_pool_has_the_clusters_trainers_and_its_runs_train_there(pool, cluster, tmp_path,
                                                                      cpu_device):
    assert pool.size == 2  # one a node: each has one CPU, and a trainer asks for one
    wait_until(lambda: pool.warm_workers == 2)
    first = pool.submit(TINY, owner="first", save_to=str(tmp_path / "first.keras"))
    second = pool.submit(TINY.replace(seed=1), owner="second")
    wait_until(lambda: not first.history.active and not second.history.active)
    for job in (first, second):
        history = job.snapshot()
        assert history.state == "finished", history.message
        assert [epoch["epoch"] for epoch in history.epochs] == [1, 2]
        assert history.device == cpu_device
    # The trained model was saved on its node and came back to the server's folder.
    assert (tmp_path / "first.keras").stat().st_size > 10_000
    assert first.snapshot().model_file == str(tmp_path / "first.keras")
    trainers = cluster.actors()
    assert len(trainers) == 2 and len({actor["node_id"] for actor in trainers}) == 2
    assert pool.cluster == {"trainers": 2, "machines": 2}
    assert fitlab_cluster.capacity_line(pool.cluster) == (
        "Trainers: 2 on 2 machines of the Ray cluster")


def test_stop_reaches_a_run_on_the_cluster(pool):
    job = pool.submit(LONG, owner="stopper")
    wait_until(lambda: len(job.snapshot().batches) > 0)
    job.stop()
    wait_until(lambda: not job.history.active)
    history = job.snapshot()
    assert history.state == "stopped" and len(history.epochs) < 50, history.message


def test_a_killed_trainer_fails_only_its_run_in_words(pool, cluster):
    wait_until(lambda: pool.warm_workers == 2)
    jobs = [pool.submit(LONG, owner=owner) for owner in ("one", "two")]
    wait_until(lambda: all(job.snapshot().batches for job in jobs))
    os.kill(cluster.actors()[0]["pid"], signal.SIGKILL)  # what the kernel does out of memory
    wait_until(lambda: any(not job.history.active for job in jobs))
    failed = [job for job in jobs if not job.history.active]
    going = [job for job in jobs if job.history.active]
    assert len(failed) == 1 and len(going) == 1
    message = failed[0].history.message
    assert failed[0].history.state == "failed"
    assert message.startswith("The training process ended unexpectedly: its process on the "
                              "machine it trained on (")
    assert "was killed" in message and "the other runs go on" in message
    assert "Traceback" not in message
    going[0].stop()
    wait_until(lambda: not going[0].history.active)
    assert going[0].history.state == "stopped"
    after = pool.submit(TINY.replace(epochs=1), owner="one")  # a fresh trainer took its place
    wait_until(lambda: not after.history.active)
    assert after.history.state == "finished", after.history.message


def test_a_node_that_leaves_fails_its_run_and_the_other_goes_on(pool, cluster):
    wait_until(lambda: pool.warm_workers == 2)
    jobs = [pool.submit(LONG, owner=owner) for owner in ("one", "two")]
    wait_until(lambda: all(job.snapshot().batches for job in jobs))
    node = cluster.nodes.pop()
    os.killpg(node.pid, signal.SIGKILL)  # the machine is gone, not shut down politely
    node.wait()
    wait_until(lambda: any(not job.history.active for job in jobs))
    failed = [job for job in jobs if not job.history.active]
    going = [job for job in jobs if job.history.active]
    assert len(failed) == 1 and len(going) == 1, [job.history.message for job in jobs]
    assert failed[0].history.state == "failed"
    assert "left the Ray cluster; the other runs go on" in failed[0].history.message
    going[0].stop()
    wait_until(lambda: not going[0].history.active)
    assert going[0].history.state == "stopped", going[0].history.message
    cluster.add_node()  # the machine comes back; its trainer, waiting in Ray, starts there
    cluster.wait_for_nodes(2)
    wait_until(lambda: pool.warm_workers == 2, seconds=240)


def test_a_lost_head_is_said_in_words_and_the_pool_reconnects_without_a_restart(
        pool, cluster):
    job = pool.submit(LONG, owner="one")
    wait_until(lambda: len(job.snapshot().batches) > 0)
    # The head and its node shut down, as a stopped head does. (A head killed outright
    # ends its trainers through Ray's own exit, status 1: docs/scaling.md, "Limits".)
    cluster.stop(grace=60)
    wait_until(lambda: not job.history.active, seconds=120)
    assert job.history.state == "failed"
    assert "connection to the Ray cluster's head at" in job.history.message, \
        job.history.message
    wait_until(lambda: "does not answer" in pool.problem)
    assert pool.problem == (f"A training process could not start: the Ray cluster's head at "
                            f"{cluster.address} does not answer. Fit Lab tries again every "
                            "few seconds; runs wait until then.")
    waiting = pool.submit(TINY.replace(epochs=1), owner="two")
    cluster.start_head()  # the same address and token, as a restarted head would have
    cluster.add_node()
    wait_until(lambda: not waiting.history.active, seconds=300)
    assert waiting.history.state == "finished", waiting.history.message
    assert pool.problem == ""
