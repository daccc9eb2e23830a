"""The worker pool with real worker processes training real (tiny) runs.

The tests marked `backend` are run again under JAX: the worker's start, its runs and Stop
go through the backend. A killed worker is the pool's to notice, on any backend."""

import os
import signal
import sys
import time

import pytest

from fitlab.pool import WorkerPool
from fitlab.settings import Settings

TINY = Settings(train_images=300, epochs=2)


from waiting import wait_until  # noqa: E402


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(workers=1)
    yield pool
    pool.close()


@pytest.mark.keras
@pytest.mark.backend
def test_runs_queue_and_train_in_a_worker(pool, cpu_device):
    first = pool.submit(TINY)
    second = pool.submit(TINY.replace(seed=1))
    wait_until(lambda: first.history.state == "running")
    assert pool.queue_position(second) == 1
    wait_until(lambda: not second.history.active)
    for job in (first, second):
        history = job.snapshot()
        assert history.state == "finished", history.message
        assert [epoch["epoch"] for epoch in history.epochs] == [1, 2]
        assert history.device == cpu_device and history.fraction_done == 1.0


@pytest.mark.keras
@pytest.mark.backend
def test_stop_ends_a_running_run_and_keeps_its_history(pool):
    job = pool.submit(TINY.replace(epochs=50))
    wait_until(lambda: len(job.snapshot().batches) > 0)
    job.stop()
    wait_until(lambda: not job.history.active, seconds=10)
    history = job.snapshot()
    assert history.state == "stopped"
    assert history.batches and len(history.epochs) < 50


@pytest.mark.keras
@pytest.mark.backend
def test_a_page_waiting_for_the_first_point_gets_it_as_it_comes(pool):
    # What the live page does before a run's first point: it waits for it, for at most a
    # poll, instead of finding it only at the next poll.
    job = pool.submit(Settings(train_images=5000, epochs=50))
    wait_until(lambda: job.history.state == "running" or not job.history.active)
    job.wait_for_first_point(seconds=600)  # returns with the point, long before this
    history = job.snapshot()
    assert history.batches and not history.epochs, "it returned with the first epoch's end"
    job.stop()
    wait_until(lambda: not job.history.active)


@pytest.mark.keras
@pytest.mark.backend
def test_a_queued_run_can_be_stopped_before_it_starts(pool):
    running = pool.submit(TINY.replace(epochs=50))
    waiting = pool.submit(TINY)
    waiting.stop()
    assert waiting.history.state == "stopped" and "before it started" in waiting.history.message
    running.stop()
    wait_until(lambda: not running.history.active)


@pytest.mark.keras
def test_a_crashed_worker_fails_its_run_with_the_reason_and_is_replaced(pool):
    job = pool.submit(TINY.replace(epochs=50))
    wait_until(lambda: len(job.snapshot().batches) > 0)
    for pid in pool.worker_pids:
        os.kill(pid, signal.SIGKILL)  # what the kernel does to a worker out of memory
    wait_until(lambda: not job.history.active, seconds=30)
    assert job.history.state == "failed"
    assert "killed by signal 9" in job.history.message
    after = pool.submit(TINY.replace(epochs=1))
    wait_until(lambda: not after.history.active)
    assert after.history.state == "finished"


@pytest.mark.keras
@pytest.mark.backend
def test_a_bad_data_file_fails_the_run_in_words_and_the_worker_carries_on(pool, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not an archive")
    job = pool.submit(TINY.replace(dataset=str(bad)))
    wait_until(lambda: not job.history.active)
    assert job.history.state == "failed" and "not an .npz archive" in job.history.message
    good = pool.submit(TINY.replace(epochs=1))
    wait_until(lambda: not good.history.active)
    assert good.history.state == "finished"


@pytest.mark.keras
@pytest.mark.backend
def test_one_session_has_one_active_run_at_a_time(pool):
    from fitlab.pool import PoolBusy

    first = pool.submit(TINY.replace(epochs=50), owner="learner-a")
    with pytest.raises(PoolBusy, match="already have a run"):
        pool.submit(TINY, owner="learner-a")
    other = pool.submit(TINY.replace(epochs=1), owner="learner-b")  # others are not blocked
    first.stop()
    wait_until(lambda: not other.history.active)
    again = pool.submit(TINY.replace(epochs=1), owner="learner-a")
    wait_until(lambda: not again.history.active)
    assert again.history.state == "finished"


@pytest.mark.keras
@pytest.mark.backend
def test_a_queued_run_is_told_how_long_it_will_wait(pool):
    warm_up = pool.submit(TINY.replace(epochs=1))
    wait_until(lambda: not warm_up.history.active)  # the pool measures its pace from this
    running = pool.submit(TINY.replace(epochs=50))  # stopped below: it must not end first
    waiting = pool.submit(TINY.replace(epochs=1))
    wait_until(lambda: running.history.state == "running")
    assert pool.queue_position(waiting) == 1
    assert pool.seconds_to_wait(waiting) > 0
    running.stop()
    wait_until(lambda: not waiting.history.active)


def test_the_run_of_a_learner_gone_longer_than_the_grace_is_stopped_and_let_go():
    open_tabs = {"learner-1"}
    pool = WorkerPool(workers=1, owner_alive=lambda owner: owner in open_tabs, grace=120)
    try:
        job = pool.submit(TINY.replace(epochs=50), owner="learner-1")
        wait_until(lambda: job.history.state == "running")
        open_tabs.clear()  # the learner's last tab closes, or their Wi-Fi drops
        now = time.monotonic()
        pool.sweep(now)
        pool.sweep(now + 60)
        assert job.history.active  # a tab that reconnects within the grace finds it training
        pool.sweep(now + 121)
        wait_until(lambda: not job.history.active, seconds=20)
        assert "no tab of yours was open for 120 seconds" in job.history.message
        pool.sweep(now + 122)
        # Without a store nothing of the learner is kept: they would start again at run #1.
        assert pool.get(job.id) is None and pool.runs_of("learner-1") == []
        again = pool.submit(TINY, owner="learner-1")
        assert again.number == 1
        again.stop()
    finally:
        pool.close()


def test_a_worker_whose_server_has_gone_stops_its_run_and_exits():
    from fitlab.worker_process import WorkerProcess

    worker = WorkerProcess()
    wait_until(lambda: worker.receive(0.5) is not None)  # ready
    worker.send({"type": "train", "settings": TINY.replace(epochs=50).to_dict()})
    wait_until(lambda: (worker.receive(0.5) or {}).get("type") == "batches")
    worker.process.stdin.close()  # what a killed server leaves behind
    assert worker.process.wait(timeout=30) == 0


def test_a_worker_retires_after_its_share_of_runs_and_a_fresh_one_carries_on(monkeypatch):
    from fitlab import pool as pool_module

    monkeypatch.setattr(pool_module, "RUNS_PER_WORKER", 2)
    pool = WorkerPool(workers=1)
    try:
        pids, outcomes = [], []
        for seed in range(3):
            job = pool.submit(TINY.replace(epochs=1, seed=seed))
            wait_until(lambda job=job: job.history.state == "running")
            pids.append(pool.worker_pids[0])
            wait_until(lambda job=job: not job.history.active)
            outcomes.append(job.history.state)
        assert outcomes == ["finished"] * 3
        assert pids[0] == pids[1] != pids[2]
    finally:
        pool.close()


# A stand-in worker that speaks the protocol until it misbehaves as told: the real worker
# cannot be made to write junk, and these faults (a stray print, a write cut off by a kill)
# are what the pool must survive. It is a real process on real pipes.
MISBEHAVING_WORKER = """
import json, sys, time
fault = sys.argv[1]
say = lambda text: (sys.stdout.write(text), sys.stdout.flush())
if fault == "junk at start":
    say("Loading TensorFlow...\\n")
    time.sleep(60)
say(json.dumps({"type": "ready", "device": "CPU"}) + "\\n")
sys.stdin.readline()  # the run
say(json.dumps({"type": "started", "steps_per_epoch": 5, "train_images": 40,
                "validation_images": 10}) + "\\n")
if fault == "cut off":
    say('{"type": "epoch", "epoch": 1, "lo')
    sys.exit(1)
if fault == "unknown":
    say(json.dumps({"type": "end"}) + "\\n")  # an end without its outcome
if fault == "unusable":
    say(json.dumps({"type": "batches", "records": 7}) + "\\n")
time.sleep(60)
"""


def misbehaving(fault):
    return [sys.executable, "-c", MISBEHAVING_WORKER, fault]


def test_a_worker_that_prints_junk_at_start_is_named_not_waited_for_for_ever():
    pool = WorkerPool(workers=1, command=misbehaving("junk at start"))
    try:
        wait_until(lambda: pool.problem, seconds=20)
        assert pool.problem == ("A training process could not start: it sent a line that is "
                                "not JSON.")
    finally:
        pool.close()


@pytest.mark.parametrize("fault, reason", [
    ("cut off", "it was cut off in the middle of a message"),
    ("unknown", "it sent a message Fit Lab does not know"),
    ("unusable", "it sent a message Fit Lab could not use"),
])
def test_a_worker_that_sends_what_no_worker_sends_fails_its_run_in_words(fault, reason):
    pool = WorkerPool(workers=1, command=misbehaving(fault))
    try:
        job = pool.submit(TINY)
        wait_until(lambda: not job.history.active, seconds=20)
        assert job.history.state == "failed"
        assert job.history.message.startswith(
            f"The training process ended unexpectedly: {reason}.")
        # the pool goes on: a fresh worker (misbehaving the same way) takes the next run,
        # where a dead thread would leave it queued for ever
        again = pool.submit(TINY)
        wait_until(lambda: not again.history.active, seconds=20)
        assert reason in again.history.message
    finally:
        pool.close()


def test_a_frozen_worker_is_found_out_by_its_silence_and_replaced(monkeypatch):
    from fitlab import worker_process

    monkeypatch.setattr(worker_process, "SILENCE_SECONDS", 4.0)  # 60 s in the app
    pool = WorkerPool(workers=1)
    try:
        job = pool.submit(TINY.replace(epochs=50))
        wait_until(lambda: job.history.state == "running")
        [pid] = pool.worker_pids
        os.kill(pid, signal.SIGSTOP)  # frozen: alive, but neither training nor answering
        wait_until(lambda: not job.history.active, seconds=30)
        assert job.history.state == "failed"
        assert "it stopped answering for 4 seconds" in job.history.message
        again = pool.submit(TINY.replace(epochs=1))
        wait_until(lambda: not again.history.active)
        assert again.history.state == "finished", again.history.message
    finally:
        pool.close()


def test_a_run_longer_than_the_servers_limit_is_stopped_with_its_history_kept():
    pool = WorkerPool(workers=1, max_run_seconds=3)
    try:
        job = pool.submit(Settings(train_images=5000, epochs=50))  # a minute or so
        wait_until(lambda: not job.history.active, seconds=60)
        history = job.snapshot()
        assert history.state == "stopped"
        assert history.message.startswith(
            "Stopped after 0.05 minutes, the longest a run may train on this server")
        assert 0 < len(history.epochs) < 50
    finally:
        pool.close()


def test_the_run_limit_is_read_from_the_environment_and_a_bad_one_is_named(monkeypatch):
    from fitlab.config import max_run_seconds

    monkeypatch.setenv("FITLAB_MAX_RUN_MINUTES", "0")
    assert max_run_seconds() is None
    monkeypatch.setenv("FITLAB_MAX_RUN_MINUTES", "1.5")
    assert max_run_seconds() == 90
    monkeypatch.setenv("FITLAB_MAX_RUN_MINUTES", "an hour")
    with pytest.raises(ValueError, match="FITLAB_MAX_RUN_MINUTES must be a number"):
        max_run_seconds()
