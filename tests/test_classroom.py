"""A class: its instructor key, what the instructor holds for the room, and the room's runs
as the store keeps them. Runs train on the stand-in worker (tests/fake_worker.py: training
is replaced because it is slow; the pool, its queue, the store and the database are real)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from waiting import wait_until

from fitlab import classroom, database
from fitlab.classroom import ClassError, Classroom, NotInstructor
from fitlab.pool import WorkerPool
from fitlab.settings import Settings
from fitlab.store import DONE, RunStore

ANNA, BEN, CARA, TEACHER = "a" * 32, "b" * 32, "c" * 32, "e" * 32
SHORT = Settings(train_images=500, epochs=2)


@pytest.fixture(autouse=True)
def _each_database(store_database):
    """Every test on SQLite and on PostgreSQL (tests/conftest.py): a class spread over
    servers lives in PostgreSQL (docs/scaling.md)."""


def _room(tmp_path):
    store = RunStore(tmp_path)
    return store, Classroom(database.engine(tmp_path))


def test_the_key_is_kept_only_as_a_hash_and_opens_nothing_else(tmp_path):
    _, room = _room(tmp_path)
    code, key = room.open()
    other_code, other_key = room.open()
    assert code != other_code and len(code) == classroom.CODE_LENGTH and len(key) >= 24
    # the key is nowhere in the database; its hash is
    with database.engine(tmp_path).connect() as db:
        kept = " ".join(str(value) for row in db.execute(sa.select(classroom.classes)).all()
                        for value in row)
    assert key not in kept and classroom.key_hash(key) in kept
    assert room.is_instructor_key(code, key)
    assert not room.is_instructor_key(code, other_key)  # one class's key opens only it
    assert not room.is_instructor_key(code, "") and not room.is_instructor_key("NOPE", key)


def test_every_instructor_action_without_the_key_is_refused_and_changes_nothing(tmp_path):
    store, room = _room(tmp_path)
    code, key = room.open()
    room.join(code, ANNA)
    before = room.get(code)
    actions = [
        lambda k: room.push_section(code, k, 3),
        lambda k: room.suggest(code, k, "Learning rate too high", Settings(learning_rate=1.0)),
        lambda k: room.set_controls(code, k, {"seed"}, {"learning_rate"}),
        lambda k: room.reveal(code, k, {0, 1}),
        lambda k: room.show_run(code, k, None),
        lambda k: room.become_instructor(code, k, BEN),
    ]
    for action in actions:
        for wrong in ("", None, "x" * 32, key[:-1]):
            try:
                action(wrong)
            except NotInstructor as refusal:
                assert "instructor" in str(refusal) and key not in str(refusal)
            else:
                raise AssertionError(f"an action went through with the key {wrong!r}")
    assert room.get(code) == before
    assert not room.is_instructor(BEN)


def test_the_instructor_holds_the_rooms_section_controls_and_solutions(tmp_path):
    _, room = _room(tmp_path)
    code, key = room.open()
    room.push_section(code, key, 3)
    room.set_controls(code, key, hidden={"seed"}, locked={"learning_rate", "seed"},
                      settings=Settings(learning_rate=0.01, seed=7))
    room.reveal(code, key, {2, 3})
    held = room.get(code.lower())  # a code as typed, in small letters
    assert held.section == 3 and held.section_at is not None
    assert held.hidden == {"seed"} and held.locked == {"learning_rate"}  # hidden wins
    assert held.fixed_value("learning_rate") == 0.01 and held.fixed_value("seed") == 7
    assert held.fixed_value("optimizer") == Settings().optimizer  # not held: the default
    assert held.revealed == {2, 3}
    try:
        room.set_controls(code, key, hidden={"colour"}, locked=set())
    except ClassError as refusal:
        assert "colour is not one of Fit Lab's controls" in str(refusal)
    try:
        room.push_section(code, key, 40)
    except ClassError as refusal:
        assert "sections 1 to 11, not 41" in str(refusal)
    assert room.get(code).hidden == {"seed"}


def test_learners_join_with_the_code_under_a_name_of_their_own_or_a_pseudonym(tmp_path):
    _, room = _room(tmp_path)
    code, _ = room.open()
    try:
        room.join("ZZZZZZ", ANNA)
    except ClassError as refusal:
        assert "no class “ZZZZZZ”" in str(refusal)
    room.join(f" {code[:3].lower()}-{code[3:]} ", ANNA)  # as read aloud and typed
    room.join(code, BEN, name="  Ben   the  Builder ")
    names = {member.learner: member.name for member in room.members(code)}
    assert names[BEN] == "Ben the Builder"
    assert names[ANNA] and names[ANNA] != names[BEN]
    room.join(code, ANNA)  # joining again keeps the name
    assert {member.learner: member.name for member in room.members(code)}[ANNA] == names[ANNA]
    room.note(ANNA, section=4, now=1e12)
    assert [member.section for member in room.members(code, now=1e12) if
            member.learner == ANNA] == [4]
    # one learner in one class: a second class's code moves them
    second, _ = room.open()
    room.join(second, ANNA)
    assert room.membership(ANNA)[0].code == second
    assert ANNA not in {member.learner for member in room.members(code)}
    # sixty learners get sixty names
    for number in range(60):
        room.join(code, f"{number:032x}")
    assert len({member.name for member in room.members(code)}) == 61


def test_a_second_server_sees_the_same_class(tmp_path):
    _, room = _room(tmp_path)
    code, key = room.open()
    # another server: its own engine on the same database
    other = Classroom(sa.create_engine(database.url(tmp_path)))
    room.push_section(code, key, 5)
    room.join(code, ANNA)
    assert other.get(code).section == 5
    assert [member.learner for member in other.members(code)] == [ANNA]
    other.set_controls(code, key, hidden=set(), locked={"optimizer"})
    assert room.get(code).locked == {"optimizer"}


def test_the_room_sees_its_learners_runs_their_verdicts_and_ticks(tmp_path):
    store, room = _room(tmp_path)
    code, key = room.open()
    for learner in (ANNA, BEN):
        room.join(code, learner)
    pool = WorkerPool(workers=2, store=store)
    try:
        good = pool.submit(SHORT, owner=ANNA)
        broken = pool.submit(SHORT.replace(learning_rate=1.0, optimizer="sgd"), owner=BEN)
        stranger = pool.submit(SHORT, owner=CARA)  # not in the class
        wait_until(lambda: any(run.training or run.val_losses for run in room.room_runs(code)))
        wait_until(lambda: not (good.history.active or broken.history.active
                                or stranger.history.active), seconds=30)
        runs = {run.id: run for run in room.room_runs(code)}
        assert set(runs) == {good.id, broken.id}
        assert runs[good.id].optimizer == "adam" and runs[good.id].learning_rate == 0.001
        assert len(runs[good.id].val_losses) == 2 and runs[good.id].val_accuracy is not None
        assert runs[broken.id].verdict == "diverged" == broken.history.state
        assert runs[good.id].verdict is None
        # the instructor shows one of them; a stranger's run cannot be shown
        room.show_run(code, key, broken.id)
        assert room.get(code).shown_run == broken.id
        learner, number, history = room.run(broken.id, code)
        assert (learner, number, history.state) == (BEN, 1, "diverged")
        try:
            room.show_run(code, key, stranger.id)
        except ClassError as refusal:
            assert "not one of this class's" in str(refusal)
        assert room.get(code).shown_run == broken.id
    finally:
        pool.close()
    store.keep_progress(ANNA, DONE, "diverge", "run #1")
    store.keep_progress(BEN, DONE, "diverge", "run #1")
    store.keep_progress(CARA, DONE, "diverge", "run #1")  # not in the class
    store.keep_progress(BEN, DONE, "stuck", "run #1")
    assert room.ticks(code) == {"diverge": 2, "stuck": 1}


def test_the_instructors_run_goes_before_the_rooms_queue(tmp_path):
    pool = WorkerPool(workers=1)
    try:
        long = Settings(train_images=5000, epochs=10)
        training = pool.submit(long, owner=ANNA)
        wait_until(lambda: training.history.state == "running")
        room = [pool.submit(SHORT, owner=f"{number:032x}") for number in range(1, 4)]
        demo = pool.submit(long, owner=TEACHER, first=True)  # bigger, and last to come
        assert pool.queue_position(demo) == 1
        assert [pool.queue_position(run) for run in room] == [2, 3, 4]
        training.stop()
        wait_until(lambda: demo.history.state == "running" or not demo.history.active,
                   seconds=10)
        assert all(run.history.state == "queued" for run in room)
    finally:
        pool.close()
