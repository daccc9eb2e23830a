"""Where a learner's runs and files outlive a tab, a dropped connection and a server restart.

One folder (FITLAB_STORE, else ~/.cache/fitlab/store), readable by this user alone, holds a folder
per learner for their uploaded photos and trained models, and a database (fitlab/database.py:
runs.sqlite there, or the PostgreSQL server FITLAB_DATABASE_URL names) of runs, one row per run
with its history as JSON, and of their exercises' progress. A learner is a browser (the id in Fit
Lab's cookie), not a tab or a page address, so a shared link carries settings but never runs.

What a learner leaves is kept KEEP_SECONDS after they were last seen and the whole store is
kept under MAX_BYTES; `sweep` removes the rest, the oldest learners first, but never a learner
seen in the last TODAY_SECONDS: someone else filling the store costs no one active today
their runs (a full store then refuses new uploads instead, `has_room`). Several servers
may share one store: the database serialises their writes (several machines' servers share
one through PostgreSQL and a shared folder), and each server marks as interrupted only the
runs left active by a server of its own machine that is no longer running.
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
import re
import shutil
import socket
import time
import uuid

import sqlalchemy
from sqlalchemy import Column, Float, Index, Integer, PrimaryKeyConstraint, Table, Text, func
from sqlalchemy.dialects import postgresql, sqlite

from fitlab import config, database

KEEP_SECONDS = 24 * 3600.0  # a workshop day, and the evening after it
MAX_BYTES = 2_000_000_000  # about 150 learners at the upload and model limits
# A learner seen this recently is in today's workshop: the size bound never removes them.
# Seen is renewed while any tab of theirs is open (ui/state.py), not only when one opens.
TODAY_SECONDS = 12 * 3600.0
LEARNER_ID = re.compile(r"[0-9a-f]{32}")
# host, process and a token of this start: a restarted server may get its old process id
THIS_SERVER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

# The tables as runs.sqlite had them before SQLAlchemy made them, which existing files keep;
# `progress.place` is new (`_place_progress` adds it to an existing file).
RUNS = Table(
    "runs", database.metadata,
    Column("id", Text, primary_key=True), Column("learner", Text, nullable=False),
    Column("number", Integer, nullable=False), Column("active", Integer, nullable=False),
    Column("server", Text, nullable=False), Column("record", Text, nullable=False),
    Index("runs_of_learner", "learner", "number"))
LEARNERS = Table("learners", database.metadata, Column("learner", Text, primary_key=True),
                 Column("seen_at", Float, nullable=False))
PROGRESS = Table(
    "progress", database.metadata,
    Column("learner", Text, nullable=False), Column("kind", Text, nullable=False),
    Column("exercise", Text, nullable=False), Column("value", Text, nullable=False),
    # the order marks were kept in: SQLite's rowid was it, PostgreSQL has no such thing
    Column("place", sqlalchemy.BigInteger),
    PrimaryKeyConstraint("learner", "kind", "exercise"))
# What `progress` keeps of each exercise: why it counts as done, and the predict-first choice;
# and, under PINNED, the runs the learner pinned under the Train page's charts (the run's
# id as its key: a number may come back after a deletion).
DONE, PREDICTED, PINNED = "done", "predicted", "pinned"
log = logging.getLogger("fitlab")


class RunStore:
    def __init__(self, folder: pathlib.Path | None = None, keep_seconds: float = KEEP_SECONDS,
                 max_bytes: int = MAX_BYTES):
        self.folder = pathlib.Path(folder) if folder else config.store_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)  # photos of people's own: this user's eyes only
        self.keep_seconds, self.max_bytes = keep_seconds, max_bytes
        # one engine per database for the process, shared by its threads (fitlab.database)
        self._db = database.engine(self.folder)
        _place_progress(self._db)

    # -- a learner's files -------------------------------------------------------------------

    def folder_of(self, learner: str) -> pathlib.Path:
        """The learner's own folder, for their photos and trained models, made or not: a
        page that only lists what it holds makes nothing (an upload makes it)."""
        if not LEARNER_ID.fullmatch(learner):
            # a session id (AppTest, a bare script) is safe too, but never a path
            learner = re.sub(r"[^0-9A-Za-z-]", "-", learner)[:64] or "local"
        return self.folder / "learners" / learner

    def learner_folder(self, learner: str) -> pathlib.Path:
        """The learner's own folder, made on first use, and the learner noted as seen."""
        folder = self.folder_of(learner)
        if not folder.is_dir():
            # the learner keeps something for the first time: a visit that keeps nothing
            # leaves no row and no folder (`seen` with add=False)
            self.seen(learner)
            folder.mkdir(parents=True, exist_ok=True)
        return folder

    def seen(self, learner: str, now: float | None = None, add: bool = True) -> None:
        """Note that the learner is here: what they left is kept from now on. With
        `add=False`, only a learner the store already keeps something of is noted. A
        database that does not answer costs a line in the log: an open tab notes it again."""
        seen_at = now or time.time()
        try:
            with self._db.begin() as db:
                if add:
                    row = _insert(db, LEARNERS).values(learner=learner, seen_at=seen_at)
                    db.execute(row.on_conflict_do_update(
                        index_elements=["learner"], set_={"seen_at": row.excluded.seen_at}))
                else:
                    db.execute(LEARNERS.update().where(LEARNERS.c.learner == learner)
                               .values(seen_at=seen_at))
        except sqlalchemy.exc.OperationalError as error:
            _not_written("that a learner was here", error)  # an id in a log is a cookie to steal

    def has_room(self, adding: int = 0) -> bool:
        """Whether `adding` more bytes keep the store within max_bytes."""
        return has_room(self.folder, adding, self.max_bytes)

    # -- runs --------------------------------------------------------------------------------

    def save(self, run_id: str, learner: str, number: int, active: bool, record: dict) -> None:
        """Keep the run's whole record. A database that does not answer (PostgreSQL
        restarting, the network to it down) costs a line in the log, not the run: it goes on
        in memory, and its next change (an epoch, its end) writes the whole record again."""
        try:
            with self._db.begin() as db:
                row = _insert(db, RUNS).values(id=run_id, learner=learner, number=number,
                                               active=int(active), server=THIS_SERVER,
                                               record=json.dumps(record))
                db.execute(row.on_conflict_do_update(index_elements=["id"], set_={
                    name: row.excluded[name] for name in ("active", "server", "record")}))
        except sqlalchemy.exc.OperationalError as error:
            _not_written(f"run {run_id}", error)

    def runs(self, learner: str) -> list[tuple[str, int, dict]]:
        """(id, number, record) of each of the learner's runs, oldest first."""
        with self._db.connect() as db:
            rows = db.execute(sqlalchemy.select(RUNS.c.id, RUNS.c.number, RUNS.c.record)
                              .where(RUNS.c.learner == learner).order_by(RUNS.c.number)).all()
        return [(run_id, number, json.loads(record)) for run_id, number, record in rows]

    def last_number(self, learner: str) -> int:
        with self._db.connect() as db:
            return db.execute(sqlalchemy.select(func.coalesce(func.max(RUNS.c.number), 0))
                              .where(RUNS.c.learner == learner)).scalar_one()

    def delete(self, run_id: str) -> None:
        with self._db.begin() as db:
            record = db.execute(sqlalchemy.delete(RUNS).where(RUNS.c.id == run_id)
                                .returning(RUNS.c.record)).scalar()
        if record:
            _remove_model(json.loads(record))

    def left_active(self) -> list[tuple[str, str, int, dict]]:
        """(id, learner, number, record) of runs still marked active that were left by a
        server of this machine that has stopped: a restart or a crash."""
        with self._db.connect() as db:
            rows = db.execute(sqlalchemy.select(
                RUNS.c.id, RUNS.c.learner, RUNS.c.number, RUNS.c.server, RUNS.c.record)
                .where(RUNS.c.active == 1)).all()
        return [(run_id, learner, number, json.loads(record))
                for run_id, learner, number, server, record in rows if _gone(server)]

    # -- exercise progress -------------------------------------------------------------------
    # Kept with the learner like their runs, not in the page's address: a link is shared,
    # opened in another tab or typed in, and carries settings only.

    def keep_progress(self, learner: str, kind: str, exercise: str, value: str) -> None:
        """Keep a mark (kind DONE, value: why it counts) or an answer (PREDICTED: the choice);
        the first one kept stands, as a prediction made before a run must."""
        with self._db.begin() as db:
            db.execute(_insert(db, PROGRESS).values(
                learner=learner, kind=kind, exercise=exercise, value=value,
                place=time.time_ns()).on_conflict_do_nothing())

    def forget_progress(self, learner: str, kind: str, exercise: str) -> None:
        """Take a kept value back: a pinned run unpinned."""
        with self._db.begin() as db:
            db.execute(PROGRESS.delete().where(PROGRESS.c.learner == learner,
                                               PROGRESS.c.kind == kind,
                                               PROGRESS.c.exercise == exercise))

    def progress(self, learner: str, kind: str) -> dict[str, str]:
        """{exercise key: value} of one kind, in the order kept."""
        with self._db.connect() as db:
            rows = db.execute(sqlalchemy.select(PROGRESS.c.exercise, PROGRESS.c.value)
                              .where(PROGRESS.c.learner == learner, PROGRESS.c.kind == kind)
                              .order_by(PROGRESS.c.place)).all()
        return dict(rows)

    # -- what is kept ------------------------------------------------------------------------

    def sweep(self, keep: set[str] = frozenset(), now: float | None = None) -> list[str]:
        """Remove the runs and files of learners not seen for `keep_seconds`, then of the
        least recently seen until the store is under `max_bytes`, but none seen in the last
        TODAY_SECONDS; never those in `keep` (learners with a tab open or a run in
        progress). Returns the learners removed."""
        now = time.time() if now is None else now
        with self._db.connect() as db:
            seen = dict(db.execute(sqlalchemy.select(LEARNERS.c.learner, LEARNERS.c.seen_at))
                        .all())
            with_runs = set(db.execute(sqlalchemy.select(RUNS.c.learner).distinct())
                            .scalars())
        folders = self.folder / "learners"
        on_disk = {path.name for path in folders.iterdir()} if folders.is_dir() else set()
        # a folder without a row (an upload before the learner's row) counts as seen when it
        # last changed; a learner with runs but never seen (a crash mid-write), long ago
        for name in on_disk - set(seen):
            try:
                seen[name] = (folders / name).stat().st_mtime
            except OSError:
                pass
        learners = sorted(with_runs | on_disk | set(seen), key=lambda name: seen.get(name, 0.0))
        removed = [learner for learner in learners
                   if learner not in keep and now - seen.get(learner, 0.0) > self.keep_seconds]
        for learner in removed:
            self._remove(learner)
        for learner in learners:
            if learner in removed or learner in keep:
                continue
            if now - seen.get(learner, 0.0) <= TODAY_SECONDS:
                break  # the rest were seen even later: today's, and kept whatever the size
            if _size(self.folder) <= self.max_bytes:
                break
            self._remove(learner)
            removed.append(learner)
        return removed

    def _remove(self, learner: str) -> None:
        with self._db.begin() as db:  # all of the learner's rows, or none
            for table in (RUNS, PROGRESS, LEARNERS):
                db.execute(sqlalchemy.delete(table).where(table.c.learner == learner))
        shutil.rmtree(self.folder / "learners" / learner, ignore_errors=True)

    def close(self) -> None:
        """Close the connections this process holds (the engine opens new ones if used)."""
        self._db.dispose()


def has_room(folder: pathlib.Path, adding: int, max_bytes: int | None = None) -> bool:
    """Whether the store in `folder` takes `adding` more bytes within `max_bytes` (MAX_BYTES):
    when today's learners fill it, what is new is refused rather than anyone's runs removed."""
    return _size(folder) + adding <= (MAX_BYTES if max_bytes is None else max_bytes)


def _not_written(what: str, error: Exception) -> None:
    reason = (str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"])[0]
    log.warning("the run store's database did not take %s, written at its next change: %s",
                what, config.without_password(reason))


def _insert(db: sqlalchemy.Connection, table: Table):
    """An INSERT with ON CONFLICT, which SQLite and PostgreSQL spell alike."""
    return (postgresql if db.dialect.name == "postgresql" else sqlite).insert(table)


def _place_progress(engine: sqlalchemy.Engine) -> None:
    """Give a runs.sqlite made before `progress.place` that column, with the order its rows
    were kept in (their rowid), so that an existing store's marks keep their order."""
    if any(column["name"] == "place"
           for column in sqlalchemy.inspect(engine).get_columns("progress")):
        return
    try:
        with engine.begin() as db:
            db.exec_driver_sql("ALTER TABLE progress ADD COLUMN place BIGINT")
            db.exec_driver_sql("UPDATE progress SET place = rowid")
    except sqlalchemy.exc.OperationalError:  # another server of this store added it first
        pass


def _gone(server: str) -> bool:
    if server == THIS_SERVER or server.count(":") < 2:
        return False
    host, pid, _ = server.rsplit(":", 2)
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's server: only it knows whether its runs go on
    if int(pid) == os.getpid():
        return True  # this process, started anew (a container's first process, say)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _remove_model(record: dict) -> None:
    path = record.get("model_file")
    if path:
        pathlib.Path(path).unlink(missing_ok=True)


def _size(folder: pathlib.Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
