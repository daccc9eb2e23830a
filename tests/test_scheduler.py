"""The pool's rules for a room that shares its trainers, over the stand-in worker
(tests/fake_worker.py: training is replaced because it is slow; the pool, its queue, the
worker processes and their pipes are real)."""

from __future__ import annotations

import numpy as np
import pytest

from fitlab import uploads
from fitlab.images import ImageSet
from fitlab.pool import PoolBusy, WorkerPool
from fitlab.settings import Settings
from fitlab.store import RunStore

from waiting import wait_until  # noqa: E402

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
