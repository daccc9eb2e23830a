"""A learner's runs kept in the run store: through a new pool (a restarted server), a server
killed mid-run, deletion, and the sweep that bounds what is kept. Real worker processes
train real (tiny) runs; the killed server is a real process, killed with SIGKILL."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from fitlab.pool import WorkerPool
from fitlab.settings import Settings
from fitlab.store import RunStore

ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY = Settings(train_images=300, epochs=2)
ANNA, BEN = "a" * 32, "b" * 32  # learner ids as the cookie carries them
# Every test twice: on SQLite in the store's folder, and on PostgreSQL (marked `postgres`).
pytestmark = pytest.mark.usefixtures("store_database")


from waiting import wait_until  # noqa: E402


def test_a_restarted_server_shows_a_learner_every_finished_run_and_numbers_on(tmp_path):
    model = tmp_path / "model.keras"
    first = WorkerPool(workers=1, store=RunStore(tmp_path / "store"))
    try:
        run = first.submit(TINY, owner=ANNA, save_to=str(model))
        wait_until(lambda: not run.history.active)
        before = run.snapshot()
    finally:
        first.close()
    assert before.state == "finished", before.message

    second = WorkerPool(workers=1, store=RunStore(tmp_path / "store"))
    try:
        [back] = second.runs_of(ANNA)
        history = back.snapshot()
        assert (back.id, back.number, history.state) == (run.id, 1, "finished")
        assert history.message == before.message
        assert history.epochs_csv() == before.epochs_csv()
        assert history.batches_csv() == before.batches_csv()
        assert history.model_file == str(model) and model.is_file()
        assert round(history.elapsed(), 3) == round(before.elapsed(), 3)
        assert second.runs_of(BEN) == []  # another browser sees none of them
        again = second.submit(TINY.replace(epochs=1), owner=ANNA)
        assert again.number == 2
        wait_until(lambda: not again.history.active)
        second.delete(back)  # Delete on Your runs: gone from the store, model file too
        assert not model.exists()
    finally:
        second.close()
    third = WorkerPool(workers=1, store=RunStore(tmp_path / "store"))
    try:
        assert [job.number for job in third.runs_of(ANNA)] == [2]
    finally:
        third.close()


KILLED_SERVER = """
import sys, time
from fitlab.pool import WorkerPool
from fitlab.settings import Settings
from fitlab.store import RunStore

pool = WorkerPool(workers=1, store=RunStore(sys.argv[1]))
job = pool.submit(Settings(train_images=300, epochs=50), owner=sys.argv[2])
while len(job.history.epochs) < 2:
    time.sleep(0.05)
time.sleep(0.5)
print("two epochs", flush=True)
time.sleep(600)
"""


def test_a_run_training_when_its_server_was_killed_is_ended_with_a_sentence(tmp_path):
    server = subprocess.Popen([sys.executable, "-c", KILLED_SERVER, str(tmp_path), ANNA],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stdout.readline().strip() == "two epochs"
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()

    pool = WorkerPool(workers=1, store=RunStore(tmp_path))
    try:
        [run] = pool.runs_of(ANNA)
        history = run.snapshot()
        assert history.state == "failed"
        assert history.message.startswith("The server restarted while this run was training")
        assert len(history.epochs) >= 2  # what it had trained is kept
        assert f"after {len(history.epochs)} of its 50 epochs" in history.message
        # and the learner is not told to wait behind a run that no longer exists
        again = pool.submit(TINY.replace(epochs=1), owner=ANNA)
        assert again.number == 2
        wait_until(lambda: not again.history.active)
        assert again.history.state == "finished"
    finally:
        pool.close()


def _leave_files(store, learner, megabytes):
    folder = store.learner_folder(learner)
    (folder / "photos.npz").write_bytes(b"x" * megabytes * 1_000_000)
    store.save(f"run-of-{learner}", learner, 1, False, {"settings": {}, "model_file": ""})
    return folder


def test_what_a_learner_left_goes_a_day_after_they_were_last_seen(tmp_path):
    store = RunStore(tmp_path, keep_seconds=24 * 3600)
    anna, ben = _leave_files(store, ANNA, 1), _leave_files(store, BEN, 1)
    store.seen(ANNA, now=1000.0)
    store.seen(BEN, now=1000.0 + 20 * 3600)
    assert store.sweep(now=1000.0 + 23 * 3600) == []
    assert store.sweep(now=1000.0 + 25 * 3600) == [ANNA]
    assert not anna.exists() and store.runs(ANNA) == []
    assert ben.exists() and len(store.runs(BEN)) == 1
    # a learner with a run still training is kept, however long ago they were seen
    assert store.sweep(keep={BEN}, now=1000.0 + 100 * 3600) == []
    assert ben.exists()


def test_over_its_size_the_store_lets_the_least_recently_seen_learners_go(tmp_path):
    store = RunStore(tmp_path, max_bytes=2_500_000)
    for number, learner in enumerate((ANNA, BEN, "c" * 32)):
        _leave_files(store, learner, 1)
        store.seen(learner, now=1000.0 + number)
    assert store.sweep(now=1000.0 + 13 * 3600) == [ANNA]  # all three seen yesterday
    assert [store.runs(learner) != [] for learner in (ANNA, BEN, "c" * 32)] == [
        False, True, True]


def test_files_left_by_a_crash_without_any_record_are_swept(tmp_path):
    store = RunStore(tmp_path)
    orphan = tmp_path / "learners" / ANNA  # written, then the server died before its row
    orphan.mkdir(parents=True)
    (orphan / "photos.npz").write_bytes(b"x")
    assert store.sweep() == []  # as if seen when written: a day's grace, as any learner's
    assert store.sweep(now=time.time() + 25 * 3600) == [ANNA] and not orphan.exists()


def test_the_store_is_private_and_a_folder_name_is_never_a_path(tmp_path):
    store = RunStore(tmp_path / "store")
    assert (tmp_path / "store").stat().st_mode & 0o077 == 0
    folder = store.learner_folder("../../etc")
    assert folder.parent == tmp_path / "store" / "learners"


def test_a_record_is_plain_json(tmp_path):
    store = RunStore(tmp_path)
    store.save("x", ANNA, 1, False, {"settings": TINY.to_dict(), "epochs": [{"loss": 1.5}]})
    [(run_id, number, record)] = store.runs(ANNA)
    assert json.loads(json.dumps(record)) == record and number == 1


def test_a_store_filled_by_fresh_cookies_evicts_nothing_of_a_learner_active_today(tmp_path):
    """Issue 26, item 2, as a load test: 22 fresh cookies each keep three uploads until the
    store is over its bound (here 2 GB scaled to 66 MB: photos of 1 MB in place of 31 MB).
    The learner whose tab has been open since the morning, and so was seen only at its
    start before, keeps every run and file; one seen yesterday makes room."""
    from fitlab import store as store_module

    morning, now = 1_000_000.0, 1_000_000.0 + 8 * 3600  # 08:00, and 16:00
    store = RunStore(tmp_path, max_bytes=66_000_000)
    yesterday = "9" * 32
    _leave_files(store, yesterday, 2)
    store.seen(yesterday, now=morning - 14 * 3600)
    anna = _leave_files(store, ANNA, 3)
    store.seen(ANNA, now=morning)  # her tab opened at 08:00 and stayed open
    for hour in range(1, 9):  # the open tab renews seen (ui/state.py, every few minutes)
        store.seen(ANNA, now=morning + hour * 3600, add=False)
    fresh = [f"{number:032x}" for number in range(1, 23)]
    for number, learner in enumerate(fresh):
        folder = store.learner_folder(learner)
        store.seen(learner, now=now - 600 + number)
        for upload in range(3):
            (folder / f"upload-{upload}.npz").write_bytes(b"x" * 1_000_000)
    assert not store.has_room()

    removed = store.sweep(now=now)

    assert removed == [yesterday]
    assert store.runs(ANNA) != [] and (anna / "photos.npz").stat().st_size == 3_000_000
    assert all((tmp_path / "learners" / learner).is_dir() for learner in fresh)
    assert store_module.TODAY_SECONDS >= 8 * 3600  # a workshop day is today's


def test_a_visit_that_keeps_nothing_leaves_no_learner_behind(tmp_path):
    """Issue 26, item 6: a cookie-less visit (a crawler, a link opened once) added a row for
    24 hours; the row now comes with the first thing kept."""
    store = RunStore(tmp_path)
    store.seen(ANNA, add=False)  # what a page's visit does
    assert store.folder_of(ANNA).parent == tmp_path / "learners"  # what a page lists
    assert store.sweep(now=10**10) == [] and not (tmp_path / "learners").exists()
    store.learner_folder(ANNA)  # an upload or a run keeps something
    assert store.sweep() == []  # seen just now, so kept
    assert store.sweep(now=10**10) == [ANNA]


def test_an_upload_to_a_store_full_of_todays_learners_is_refused_in_words(tmp_path, monkeypatch):
    """Nothing of today's learners is removed to make room, so a full store refuses what is
    new: an upload, with a sentence, and nothing written."""
    import io
    import zipfile

    from PIL import Image

    from fitlab import store as store_module
    from fitlab import uploads

    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        for name in [f"{kind}/{number}.png" for kind in ("cat", "dog") for number in range(5)]:
            picture = io.BytesIO()
            Image.new("RGB", (32, 32), (200, 10, 10)).save(picture, "PNG")
            archive.writestr(name, picture.getvalue())
    store = RunStore(tmp_path)
    _leave_files(store, BEN, 1)  # today's learner, using all the room there is
    monkeypatch.setattr(store_module, "MAX_BYTES", 1_000_000)
    folder = store.folder_of(ANNA)
    reading = uploads.Reading("pets.zip", payload.getvalue())
    kept, sentence = reading.keep(folder, set())
    assert not kept and "no room to keep pets.zip" in sentence and str(tmp_path) not in sentence
    assert not folder.exists() and store.runs(BEN) != []
    monkeypatch.setattr(store_module, "MAX_BYTES", 10_000_000)  # room again: it is kept
    kept, _ = uploads.Reading("pets.zip", payload.getvalue()).keep(folder, set())
    assert kept and len(list(folder.glob("upload-*.npz"))) == 1


def test_a_learners_exercise_progress_is_kept_apart_from_others_and_swept_with_them(tmp_path):
    from fitlab.store import DONE, PREDICTED
    store = RunStore(tmp_path / "store", keep_seconds=10)
    store.seen(ANNA, now=1000.0)
    store.seen(BEN, now=1005.0)
    store.keep_progress(ANNA, DONE, "diverge", "Run #2 diverged.")
    store.keep_progress(ANNA, DONE, "fast", "Run #3 reached 0.9.")
    store.keep_progress(ANNA, DONE, "diverge", "Run #4 diverged.")  # the first one stands
    store.keep_progress(ANNA, PREDICTED, "diverge", "2")
    store.keep_progress(BEN, DONE, "compile", "Right.")
    assert store.progress(ANNA, DONE) == {"diverge": "Run #2 diverged.",
                                          "fast": "Run #3 reached 0.9."}
    assert store.progress(ANNA, PREDICTED) == {"diverge": "2"}
    # a restarted server reads it back
    assert RunStore(tmp_path / "store").progress(BEN, DONE) == {"compile": "Right."}
    assert store.sweep(now=1012.0) == [ANNA]
    assert store.progress(ANNA, DONE) == {} and store.progress(BEN, DONE) == {"compile": "Right."}


def test_pinned_runs_are_kept_with_the_learner_and_unpinned_one_by_one(tmp_path):
    from fitlab.store import PINNED
    store = RunStore(tmp_path / "store")
    store.keep_progress(ANNA, PINNED, "run-a", "")
    store.keep_progress(ANNA, PINNED, "run-b", "")
    store.keep_progress(BEN, PINNED, "run-c", "")
    store.forget_progress(ANNA, PINNED, "run-a")
    assert list(RunStore(tmp_path / "store").progress(ANNA, PINNED)) == ["run-b"]
    assert list(store.progress(BEN, PINNED)) == ["run-c"]
