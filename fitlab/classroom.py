"""A class: an instructor who sees and steers the room, and the learners who joined it.

An instructor opens a class (`python -m fitlab class open`, or the Class page) and gets a
short class code for the room and a secret instructor key, like a notebook's token. Only a
hash of the key is kept (SHA-256: the key is random, 192 bits, so a slow hash adds nothing),
compared with `hmac.compare_digest`; every instructor action takes the key and is refused
with a sentence (`NotInstructor`) without it. Learners join with the code and are known by
their browser (the learner id of fitlab/store.py), so what the class holds for them, a
locked setting, a hidden control, a solution not yet open, lives here on the server: a
reload, another page or an edited address cannot undo it.

Everything is kept in the database of fitlab/database.py, so that several servers behind a
balancer share one class. The room's runs are read from the run store's tables (store.RUNS)
and its exercise ticks from `progress` (store.PROGRESS), which every server writes
(docs/design.md says why the room reads the store, not a pool). A run's verdict comes from
the engine's own readings: the run's end state (fitlab/diagnosis.py: diverged, collapsed)
and the turn of its validation loss (fitlab/run_checks.py: overfitting).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import secrets
import threading
import time

import sqlalchemy as sa

from fitlab import config, diagnosis, links, run_checks
from fitlab.database import metadata
from fitlab.history import RunHistory
from fitlab.protocol import QUEUED, RUNNING, STARTING
from fitlab.settings import Settings
from fitlab.store import DONE, PROGRESS, RUNS

# A learner counts as in the room when a tab of theirs said so this recently.
ACTIVE_SECONDS = 300.0
# The room shows each learner's latest runs only: enough for a comparison, bounded for 60.
RUNS_PER_LEARNER = 5
# Class codes are read aloud and typed: no 0/O, 1/I/L.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NAME_LENGTH = 30
# A verdict of the room's runs, in the order the room counts them.
VERDICTS = ("diverged", "collapsed", "overfitting")

classes = sa.Table(
    "classes", metadata,
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("section", sa.Integer),  # the section the room was moved to, from 0
    sa.Column("section_at", sa.Float),  # when: a second push of one section is news again
    sa.Column("suggested", sa.Text),  # {"title", "settings"} the room was asked to try
    sa.Column("suggested_at", sa.Float),
    sa.Column("hidden", sa.Text, nullable=False, default="[]"),
    sa.Column("locked", sa.Text, nullable=False, default="[]"),
    sa.Column("fixed", sa.Text, nullable=False, default="{}"),  # their values, as Settings
    sa.Column("revealed", sa.Text, nullable=False, default="[]"),  # sections, from 0
    sa.Column("shown_run", sa.String(64)),  # the run on every learner's screen
    sa.Column("shown_at", sa.Float),
)
members = sa.Table(
    "class_members", metadata,
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("learner", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(NAME_LENGTH * 2), nullable=False),
    sa.Column("instructor", sa.Boolean, nullable=False, default=False),
    sa.Column("section", sa.Integer),
    sa.Column("seen_at", sa.Float, nullable=False),
    sa.Index("class_members_by_learner", "learner"),
)

_ADJECTIVES = ("Amber", "Blue", "Brave", "Bright", "Calm", "Clever", "Coral", "Crimson",
               "Eager", "Gentle", "Golden", "Green", "Happy", "Indigo", "Jade", "Keen",
               "Lively", "Lucky", "Merry", "Mint", "Noble", "Olive", "Plum", "Quick",
               "Quiet", "Rapid", "Ruby", "Silver", "Steady", "Sunny", "Swift", "Teal")
_ANIMALS = ("Badger", "Beaver", "Bison", "Crane", "Dolphin", "Falcon", "Ferret", "Finch",
            "Fox", "Gecko", "Heron", "Ibis", "Koala", "Lemur", "Lynx", "Marten", "Meerkat",
            "Moose", "Narwhal", "Otter", "Owl", "Panda", "Puffin", "Quail", "Raven",
            "Robin", "Seal", "Stoat", "Swan", "Tapir", "Walrus", "Wren")


class ClassError(ValueError):
    """What a class cannot do, in a sentence for the person who asked."""


class NotInstructor(ClassError):
    """An instructor's action without the class's instructor key."""


@dataclasses.dataclass(frozen=True)
class Room:
    """A class as the server holds it."""
    code: str
    opened_at: float
    section: int | None = None
    section_at: float | None = None
    suggested: dict | None = None
    suggested_at: float | None = None
    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()
    fixed: dict = dataclasses.field(default_factory=dict)
    revealed: frozenset[int] = frozenset()
    shown_run: str | None = None
    shown_at: float | None = None

    def fixed_value(self, name: str):
        """The value the class holds for a hidden or locked control: the instructor's,
        else the lesson's default (a list as the tuple Settings holds)."""
        value = self.fixed.get(name, getattr(Settings(), name))
        return tuple(value) if isinstance(value, list) else value


@dataclasses.dataclass(frozen=True)
class Member:
    learner: str
    name: str
    instructor: bool
    section: int | None
    seen_at: float


@dataclasses.dataclass(frozen=True)
class RoomRun:
    """One run of the room, as the room view draws it."""
    id: str
    learner: str
    number: int
    state: str
    optimizer: str
    learning_rate: float
    val_losses: tuple[float, ...]
    val_accuracy: float | None  # the last epoch's
    verdict: str | None  # one of VERDICTS, else None

    @property
    def training(self) -> bool:
        return self.state in (STARTING, RUNNING)

    @property
    def waiting(self) -> bool:
        return self.state == QUEUED


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def pseudonym(learner: str, taken: set[str] = frozenset()) -> str:
    """A name for a learner who gives none ("Teal Heron"), the same each time they join,
    and not one another member of the class has."""
    start = int(hashlib.sha256(learner.encode()).hexdigest(), 16)
    names = len(_ADJECTIVES) * len(_ANIMALS)
    for step in range(names):
        index = (start + step) % names
        name = f"{_ADJECTIVES[index // len(_ANIMALS)]} {_ANIMALS[index % len(_ANIMALS)]}"
        if name not in taken:
            return name
    return f"Learner {learner[:6]}"


def clean_code(text: str) -> str:
    """A class code as typed ("k7q x3m", "K7Q-X3M") in the form it is kept."""
    return "".join(char for char in str(text).upper() if char.isalnum())[:12]


class Classroom:
    """Classes kept in a database that several servers may share."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._runs: dict[str, tuple[int, bool, RoomRun]] = {}  # id -> (length, active, run)
        self._reading = threading.Lock()  # the server's sessions share `_runs`

    # -- opening a class, and its key ----------------------------------------------------------

    def open(self, key: str | None = None, now: float | None = None) -> tuple[str, str]:
        """Open a class; return its code and its instructor key, which is kept nowhere but
        in the answer (FITLAB_INSTRUCTOR_KEY, when set, is the key)."""
        key = key or config.instructor_key() or secrets.token_urlsafe(24)
        with self.engine.begin() as db:
            while True:
                code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
                if db.execute(sa.select(classes.c.code).where(classes.c.code == code)).first():
                    continue
                db.execute(classes.insert().values(
                    code=code, key_hash=key_hash(key), opened_at=now or time.time(),
                    hidden="[]", locked="[]", fixed="{}", revealed="[]"))
                return code, key

    def get(self, code: str) -> Room | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(classes).where(classes.c.code == clean_code(code))).first()
        return _room(row) if row else None

    def is_instructor_key(self, code: str, key: str | None) -> bool:
        with self.engine.connect() as db:
            stored = db.execute(sa.select(classes.c.key_hash).where(
                classes.c.code == clean_code(code))).scalar()
        # compared even when the class is unknown, so that the time taken says nothing
        return hmac.compare_digest(stored or "-" * 64, key_hash(key or "")) and bool(stored)

    def authorise(self, code: str, key: str | None) -> Room:
        """The class, for one who holds its key; NotInstructor otherwise."""
        room = self.get(code)
        if room is None:
            raise ClassError(f"There is no class “{links.as_text(code)}” on this server: "
                             "check the code, or open a class.")
        if not key:
            raise NotInstructor("Only the class's instructor can do this: open the instructor "
                                "link that opening the class printed, with its key.")
        if not self.is_instructor_key(code, key):
            raise NotInstructor("That is not this class's instructor key, so nothing was "
                                "changed: open the instructor link that opening the class "
                                "printed.")
        return room

    # -- what the instructor does (each with the key) ------------------------------------------

    def become_instructor(self, code: str, key: str, learner: str) -> None:
        """This browser is the instructor's: its runs go first in the queue, and the room
        lists it as the instructor."""
        self.authorise(code, key)
        self.join(code, learner, name="Instructor", instructor=True)

    def push_section(self, code: str, key: str, section: int) -> None:
        from fitlab import lesson  # the lesson's files, read once the section is checked

        count = len(lesson.sections())
        if not 0 <= section < count:
            raise ClassError(f"The lesson has sections 1 to {count}, not {section + 1}.")
        self._change(code, key, section=section, section_at=time.time())

    def suggest(self, code: str, key: str, title: str, settings: Settings) -> None:
        """Ask the room to try these settings (a scenario's): each learner applies them, or
        not, in one click."""
        self._change(code, key, suggested=json.dumps(
            {"title": title, "settings": settings.to_dict()}), suggested_at=time.time())

    def set_controls(self, code: str, key: str, hidden, locked,
                     settings: Settings | None = None) -> None:
        """Hide and lock controls for the whole class (links.CONTROLS names them), at the
        values of `settings` (else the lesson's defaults). A control both hidden and locked
        is hidden."""
        hidden, locked = set(hidden), set(locked)
        unknown = sorted((hidden | locked) - set(links.CONTROLS))
        if unknown:
            raise ClassError(f"{', '.join(map(links.as_text, unknown))} "
                             f"{'is' if len(unknown) == 1 else 'are'} not one of Fit Lab's "
                             f"controls ({', '.join(links.CONTROLS)}).")
        values = (settings or Settings()).to_dict()
        fixed = {name: values[name] for name in sorted(hidden | locked)}
        if "classes" in fixed:  # the images per class go with the classes' control
            fixed["images_per_class"] = values["images_per_class"]
        self._change(code, key, hidden=json.dumps(sorted(hidden)),
                     locked=json.dumps(sorted(locked - hidden)), fixed=json.dumps(fixed))

    def reveal(self, code: str, key: str, sections) -> None:
        """Open the solutions of these sections (from 0) to the class; the others stay shut."""
        self._change(code, key, revealed=json.dumps(sorted({int(each) for each in sections})))

    def show_run(self, code: str, key: str, run_id: str | None) -> None:
        """Show a run of the room (a learner's or the instructor's) on every learner's
        screen beside their own; None stops showing it."""
        if run_id is not None and self.run(run_id, code) is None:
            raise ClassError("That run is not one of this class's.")
        self._change(code, key, shown_run=run_id, shown_at=time.time())

    def _change(self, code: str, key: str, **values) -> None:
        self.authorise(code, key)
        with self.engine.begin() as db:
            db.execute(classes.update().where(classes.c.code == clean_code(code)).values(**values))

    # -- the learners ------------------------------------------------------------------------

    def join(self, code: str, learner: str, name: str | None = None,
             instructor: bool = False, now: float | None = None) -> Room:
        """Join the learner to the class (leaving any other); ClassError for an unknown
        code. `name` is the learner's own, else a pseudonym."""
        room = self.get(code)
        if room is None:
            raise ClassError(f"There is no class “{links.as_text(code)}” on this server: "
                             "check the code with your instructor.")
        name = " ".join(str(name or "").split())[:NAME_LENGTH]
        now = now or time.time()
        with self.engine.begin() as db:
            before = db.execute(sa.select(members).where(
                members.c.code == room.code, members.c.learner == learner)).first()
            db.execute(members.delete().where(members.c.learner == learner))
            taken = set(db.execute(sa.select(members.c.name).where(
                members.c.code == room.code)).scalars())
            if not name:
                name = before.name if before else pseudonym(learner, taken)
            db.execute(members.insert().values(
                code=room.code, learner=learner, name=name,
                instructor=instructor or bool(before and before.instructor),
                section=before.section if before else None, seen_at=now))
        return room

    def leave(self, learner: str) -> None:
        with self.engine.begin() as db:
            db.execute(members.delete().where(members.c.learner == learner))

    def membership(self, learner: str) -> tuple[Room, Member] | None:
        """The class the learner is in, and how it knows them; None for a self-paced one."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(members).where(members.c.learner == learner)).first()
        room = self.get(row.code) if row else None
        return (room, _member(row)) if room else None

    def note(self, learner: str, section: int | None = None, now: float | None = None) -> None:
        """The learner is here, on this section (from 0) if given."""
        values = {"seen_at": now or time.time()}
        if section is not None:
            values["section"] = int(section)
        with self.engine.begin() as db:
            db.execute(members.update().where(members.c.learner == learner).values(**values))

    def members(self, code: str, within: float | None = ACTIVE_SECONDS,
                now: float | None = None) -> list[Member]:
        """The class's members seen within `within` seconds (None: all), by name."""
        query = sa.select(members).where(members.c.code == clean_code(code))
        if within is not None:
            query = query.where(members.c.seen_at >= (now or time.time()) - within)
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(members.c.name)).all()
        return [_member(row) for row in rows]

    def is_instructor(self, learner: str) -> bool:
        with self.engine.connect() as db:
            return bool(db.execute(sa.select(members.c.instructor).where(
                members.c.learner == learner)).scalar())

    # -- the room's runs and ticks, from the run store ---------------------------------------

    def room_runs(self, code: str) -> list[RoomRun]:
        """Each member's latest RUNS_PER_LEARNER runs. Only a run whose stored record has
        changed since the last call is read again: 60 learners' histories are megabytes."""
        with self._reading:
            return self._room_runs(code)

    def _room_runs(self, code: str) -> list[RoomRun]:
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(RUNS.c.id, RUNS.c.learner, RUNS.c.number, RUNS.c.active,
                          sa.func.length(RUNS.c.record))
                .join(members, members.c.learner == RUNS.c.learner)
                .where(members.c.code == clean_code(code))
                .order_by(RUNS.c.learner, RUNS.c.number.desc())).all()
            latest, per_learner = [], {}
            for run_id, learner, number, active, length in rows:
                per_learner[learner] = per_learner.get(learner, 0) + 1
                if per_learner[learner] <= RUNS_PER_LEARNER:
                    latest.append((run_id, learner, number, bool(active), length))
            stale = [run_id for run_id, _, _, active, length in latest
                     if self._runs.get(run_id, (None, None))[:2] != (length, active)]
            records = dict(db.execute(sa.select(RUNS.c.id, RUNS.c.record).where(
                RUNS.c.id.in_(stale))).all()) if stale else {}
        for run_id, learner, number, active, length in latest:
            if run_id in records:
                summary = summarise(run_id, learner, number, json.loads(records[run_id]))
                self._runs[run_id] = (length, active, summary)
        wanted = {run_id for run_id, *_ in latest}
        for run_id in list(self._runs):
            if run_id not in wanted:
                del self._runs[run_id]
        return [self._runs[run_id][2] for run_id, *_ in latest if run_id in self._runs]

    def run(self, run_id: str, code: str | None = None) -> tuple[str, int, RunHistory] | None:
        """(learner, number, history) of a run of the class `code` (any, without it)."""
        query = sa.select(RUNS.c.learner, RUNS.c.number, RUNS.c.record).where(
            RUNS.c.id == run_id)
        if code is not None:
            query = query.join(members, sa.and_(members.c.learner == RUNS.c.learner,
                                                members.c.code == clean_code(code)))
        with self.engine.connect() as db:
            row = db.execute(query).first()
        if row is None:
            return None
        try:
            return row[0], row[1], RunHistory.from_record(json.loads(row[2]))
        except (KeyError, TypeError, ValueError):  # kept by another version of Fit Lab
            return None

    def ticks(self, code: str) -> dict[str, int]:
        """{exercise key: how many of the class have done it}."""
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(PROGRESS.c.exercise, sa.func.count())
                .join(members, members.c.learner == PROGRESS.c.learner)
                .where(members.c.code == clean_code(code), PROGRESS.c.kind == DONE)
                .group_by(PROGRESS.c.exercise)).all()
        return dict(rows)


def summarise(run_id: str, learner: str, number: int, record: dict) -> RoomRun:
    """What the room shows of a stored run."""
    history = RunHistory.from_record(record)
    epochs = [epoch for epoch in history.epochs if "val_loss" in epoch]
    accuracy = epochs[-1].get("val_accuracy") if epochs else None
    return RoomRun(
        id=run_id, learner=learner, number=number, state=history.state,
        optimizer=history.settings.optimizer, learning_rate=history.settings.learning_rate,
        val_losses=tuple(float(epoch["val_loss"]) for epoch in epochs),
        val_accuracy=float(accuracy) if accuracy is not None and math.isfinite(accuracy)
        else None,
        verdict=verdict(history))


def verdict(history: RunHistory) -> str | None:
    """How the room counts a run: as diagnosis ended it (diverged, collapsed), else
    overfitting once its validation loss has turned (run_checks.turning_point)."""
    if history.state == diagnosis.DIVERGED:
        return "diverged"
    if history.state == diagnosis.COLLAPSED:
        return "collapsed"
    return "overfitting" if run_checks.turning_point(history) is not None else None


def _room(row) -> Room:
    return Room(code=row.code, opened_at=row.opened_at, section=row.section,
                section_at=row.section_at,
                suggested=json.loads(row.suggested) if row.suggested else None,
                suggested_at=row.suggested_at, hidden=frozenset(json.loads(row.hidden)),
                locked=frozenset(json.loads(row.locked)), fixed=json.loads(row.fixed),
                revealed=frozenset(json.loads(row.revealed)), shown_run=row.shown_run,
                shown_at=row.shown_at)


def _member(row) -> Member:
    return Member(learner=row.learner, name=row.name, instructor=bool(row.instructor),
                  section=row.section, seen_at=row.seen_at)
