"""The pool's rules for a room that shares its trainers, over the stand-in worker
(tests/fake_worker.py: training is replaced because it is slow; the pool, its queue, the
worker processes and their pipes are real)."""

from __future__ import annotations

import numpy as np
import pytest
from waiting import wait_until

from fitlab import devices, uploads
from fitlab.images import ImageSet
from fitlab.pool import PoolBusy, WorkerPool
from fitlab.settings import Settings
from fitlab.store import RunStore

ANNA = "a" * 32


def _photos(classes: int = 2, each: int = 40) -> ImageSet:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (classes * each, 32, 32, 3), dtype=np.uint8)
    y = np.repeat(np.arange(classes), each)
    return ImageSet(x, y, tuple(f"class{number}" for number in range(classes)), (), 0)


def test_re_running_a_run_whose_upload_was_rotated_out_says_so_without_a_path(tmp_path):
    store = RunStore(tmp_path / "store")
    folder = store.learner_folder(ANNA)
    pool = WorkerPool(workers=1, store=store)
    try:
        first = folder / uploads.file_name("pets.zip", "0" * 64)
        uploads.save(first, _photos(), "pets.zip")
        run = pool.submit(Settings(dataset=str(first), train_images=60, epochs=1), owner=ANNA)
        wait_until(lambda: not run.history.active)
        assert run.history.state == "finished", run.history.message
        for number, name in enumerate(("cars.zip", "cats.zip", "dogs.zip"), 1):
            path = folder / uploads.file_name(name, str(number) * 64)
            uploads.save(path, _photos(), name)
            uploads.keep_latest(folder, path, in_use=set())
        assert not first.exists()  # the first upload was rotated out

        with pytest.raises(PoolBusy) as refused:
            pool.submit(run.settings, owner=ANNA)  # Re-run on Your runs
        sentence = str(refused.value)
        assert "pets.zip" in sentence and "no longer kept" in sentence
        assert "Upload them again" in sentence
        assert ANNA not in sentence and str(tmp_path) not in sentence and ".npz" not in sentence
        assert [job.number for job in pool.runs_of(ANNA)] == [1]  # nothing queued
    finally:
        pool.close()


BIG = Settings(epochs=50, train_images=60000, batch_size=8)  # the issue's ?epochs=50&…
DEFAULTS = Settings()  # the lesson's defaults, as Train offers them
ATTACKER = "10.0.0.66"  # one client (browser's address) behind seven throwaway cookies


@pytest.fixture
def short_turns(monkeypatch):
    """Turns of 1 s in place of 2 minutes, so that the rules play out in seconds: the
    stand-in worker's big run (4,800 Shapes images, 50 epochs) takes 0.48 s an epoch."""
    from fitlab import pool as pool_module

    monkeypatch.setattr(pool_module, "TURN_SECONDS", 1.0)


def _attack(pool, runs: int = 7):
    return [pool.submit(BIG, owner=f"{number:032x}", client=ATTACKER)
            for number in range(1, runs + 1)]


def _started(job) -> bool:
    return job.history.state == "running" or not job.history.active


def test_throwaway_cookies_do_not_keep_a_learner_with_the_defaults_from_training(short_turns):
    pool = WorkerPool(workers=1)
    try:
        attack = _attack(pool)
        wait_until(lambda: attack[0].history.state == "running")
        learner = pool.submit(DEFAULTS, owner=ANNA, client="10.0.0.7")
        assert pool.queue_position(learner) == 1  # a lesson-sized run goes first
        wait_until(lambda: _started(learner), seconds=10)
        # the big run gave its trainer back at an epoch's end, within a turn and an epoch
        assert not any(_started(job) for job in attack[1:])
        first = attack[0].snapshot()
        assert first.state == "queued" and first.epochs and first.active
        assert pool.queue_position(attack[0]) >= 1
        wait_until(lambda: not learner.history.active, seconds=30)
        assert learner.history.state == "finished", learner.history.message
        # the big run resumes where it stopped: its epochs go on, none trained twice
        yielded_at = len(first.epochs)
        wait_until(lambda: len(attack[0].history.epochs) > yielded_at + 1, seconds=30)
        numbers = [epoch["epoch"] for epoch in attack[0].snapshot().epochs]
        assert numbers == list(range(1, len(numbers) + 1))
    finally:
        pool.close()


def test_many_cookies_of_one_client_take_one_clients_turn(short_turns):
    pool = WorkerPool(workers=1)
    try:
        attack = _attack(pool, runs=3)
        wait_until(lambda: attack[0].history.state == "running")
        other = pool.submit(BIG, owner=ANNA, client="10.0.0.7")  # big too: no priority
        # the other client's run is next, before the attacker's second and third cookies
        assert pool.queue_position(other) == 1
        wait_until(lambda: _started(other), seconds=10)
        assert not _started(attack[1]) and not _started(attack[2])
    finally:
        pool.close()


def test_the_wait_shown_under_the_attack_is_within_30_percent_of_the_real_one(short_turns):
    import time

    pool = WorkerPool(workers=1)
    try:
        warm = pool.submit(DEFAULTS, owner="f" * 32)  # the pace comes from runs timed here
        wait_until(lambda: not warm.history.active, seconds=30)
        attack = _attack(pool)
        wait_until(lambda: len(attack[0].history.epochs) >= 1)
        learner = pool.submit(DEFAULTS, owner=ANNA, client="10.0.0.7")
        shown, asked = pool.seconds_to_wait(learner), time.monotonic()
        assert pool.runs_timed_like(learner) == 1
        wait_until(lambda: _started(learner), seconds=10)
        real = time.monotonic() - asked
        assert shown is not None and abs(shown - real) <= 0.3 * real + 0.3, (shown, real)
    finally:
        pool.close()


def test_the_estimate_counts_the_run_time_limit_and_the_order():
    """Seven hour-long runs ahead under a 20-minute limit: the old estimate added up the
    hours (16,870 s for the seventh in the issue); a lesson-sized run waits one turn."""
    from fitlab.pool import TURN_SECONDS, _Plan, _play_out

    def big(number: int, held: float = 0.0) -> _Plan:
        return _Plan("attacker", f"cookie{number}", number, False, left=1200.0, epoch=40.0,
                     held=held)

    training, waiting = big(0, held=30.0), [big(number) for number in range(1, 7)]
    lesson = _Plan("anna", "anna", 7, True, left=60.0, epoch=6.0)
    assert _play_out(lesson, [*waiting, lesson], [training], 1, {}, 0.0) == \
        pytest.approx(TURN_SECONDS - 30.0, abs=40.0)  # to its next epoch's end past the turn
    last = _Plan("ben", "ben", 8, False, left=1200.0, epoch=40.0)
    waiting = [big(number) for number in range(1, 7)]
    wait = _play_out(last, [*waiting, last], [big(0, held=30.0)], 1, {}, 0.0)
    assert wait < 2 * TURN_SECONDS  # another client's big run: its turn comes next


@pytest.mark.keras
@pytest.mark.backend
# Under JAX the resumed epochs differ in the third figure (2.0569 against 2.0597 in epoch 2,
# CI's JAX tier): something of the run's random state is not in the checkpoint there. Known,
# and kept visible: the test fails the day it is fixed (strict), so the mark is removed then.
@pytest.mark.xfail(devices.configured_backend() == "jax", strict=True,
                   reason="a resumed run's numbers differ slightly under JAX")
@pytest.mark.parametrize("settings", [
    Settings(train_images=300, epochs=4, batch_size=16),
    Settings(train_images=300, epochs=6, batch_size=16, patience=1, learning_rate=0.01),
], ids=["plain", "early stopping"])
def test_a_run_that_yields_and_resumes_gives_the_numbers_of_one_never_interrupted(
        settings, tmp_path):
    """Real Keras, tiny data: a run that ends its turn after its first epoch and resumes from
    its checkpoint (weights, optimizer slots and step count, early stopping's record) trains
    the same epochs to the same figures, and keeps the same model, as one that never
    stopped."""
    from fitlab import training
    from fitlab.protocol import TYPE

    def train(**options) -> list[dict]:
        events: list[dict] = []
        training.run(settings, events.append, **options)
        return events

    whole = train(save_to=str(tmp_path / "whole.keras"))
    checkpoint = str(tmp_path / "turn.weights.h5")
    first = train(checkpoint=checkpoint, should_yield=lambda: True)
    assert first[-1] == {TYPE: "yielded", "epoch": 1}
    peak = max(record[5] for event in first if event[TYPE] == "batches"
               for record in event["records"] if record[0] == 1)  # as fitlab.job sends it
    rest = train(checkpoint=checkpoint, resume={"epoch": 1, "seconds": 1.0, "peak_loss": peak},
                 save_to=str(tmp_path / "resumed.keras"))

    def figures(events):
        return [(event[TYPE], event.get("epoch"), event.get("loss"), event.get("val_loss"),
                 event.get("accuracy"), event.get("outcome"), event.get("kept_epoch"),
                 event.get("peak_loss"))
                for event in events if event[TYPE] in ("epoch", "evaluation", "end")]

    assert figures(first[:-1] + rest) == figures(whole)
    import keras
    import numpy as np

    one, other = (keras.saving.load_model(tmp_path / name)
                  for name in ("whole.keras", "resumed.keras"))
    for mine, theirs in zip(one.weights, other.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
