"""The worker pool with real worker processes training real (tiny) runs."""

import os
import signal
import time

import pytest

from fitlab.jobs import WorkerPool
from fitlab.settings import Settings

TINY = Settings(train_images=300, epochs=2)


def wait_until(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(workers=1)
    yield pool
    pool.close()


def test_runs_queue_and_train_in_a_worker(pool):
    first = pool.submit(TINY)
    second = pool.submit(TINY.replace(seed=1))
    wait_until(lambda: first.history.state == "running")
    assert pool.queue_position(second) == 1
    wait_until(lambda: not second.history.active)
    for job in (first, second):
        history = job.snapshot()
        assert history.state == "finished", history.message
        assert [epoch["epoch"] for epoch in history.epochs] == [1, 2]
        assert history.device == "CPU" and history.fraction_done == 1.0


def test_stop_ends_a_running_run_and_keeps_its_history(pool):
    job = pool.submit(TINY.replace(epochs=50))
    wait_until(lambda: len(job.snapshot().batches) > 0)
    job.stop()
    wait_until(lambda: not job.history.active, seconds=10)
    history = job.snapshot()
    assert history.state == "stopped"
    assert history.batches and len(history.epochs) < 50


def test_a_queued_run_can_be_stopped_before_it_starts(pool):
    running = pool.submit(TINY.replace(epochs=50))
    waiting = pool.submit(TINY)
    waiting.stop()
    assert waiting.history.state == "stopped" and "before it started" in waiting.history.message
    running.stop()
    wait_until(lambda: not running.history.active)


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


def test_a_bad_data_file_fails_the_run_in_words_and_the_worker_carries_on(pool, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not an archive")
    job = pool.submit(TINY.replace(dataset=str(bad)))
    wait_until(lambda: not job.history.active)
    assert job.history.state == "failed" and "not an .npz archive" in job.history.message
    good = pool.submit(TINY.replace(epochs=1))
    wait_until(lambda: not good.history.active)
    assert good.history.state == "finished"
