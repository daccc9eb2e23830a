"""A learner's runs kept in the run store: through a new pool (a restarted server), a server
killed mid-run, deletion, and the sweep that bounds what is kept. Real worker processes
train real (tiny) runs; the killed server is a real process, killed with SIGKILL."""

import json
import os
import pathlib
import signal
import subprocess
import sys

from fitlab.pool import WorkerPool
from fitlab.settings import Settings
from fitlab.store import RunStore

ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY = Settings(train_images=300, epochs=2)
ANNA, BEN = "a" * 32, "b" * 32  # learner ids as the cookie carries them


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
    assert store.sweep(now=1010.0) == [ANNA]
    assert [store.runs(learner) != [] for learner in (ANNA, BEN, "c" * 32)] == [
        False, True, True]


def test_files_left_by_a_crash_without_any_record_are_swept(tmp_path):
    store = RunStore(tmp_path)
    orphan = store.learner_folder(ANNA)
    (orphan / "photos.npz").write_bytes(b"x")
    assert store.sweep() == [ANNA] and not orphan.exists()


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
