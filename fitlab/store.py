"""Where a learner's runs and files outlive a tab, a dropped connection and a server restart.

One folder (FITLAB_STORE, else ~/.cache/fitlab/store), readable by this user alone, holds an SQLite
database of runs, one row per run with its history as JSON, their exercises' progress, and a folder
per learner for their uploaded photos and trained models. A learner is a browser (the id in Fit
Lab's cookie), not a tab or a page address, so a shared link carries settings but never runs.

What a learner leaves is kept KEEP_SECONDS after they were last seen and the whole store is
kept under MAX_BYTES; `sweep` removes the rest, the oldest learners first, but never a learner
seen in the last TODAY_SECONDS: someone else filling the store costs no one active today
their runs (a full store then refuses new uploads instead, `has_room`). Several servers
may share one store: SQLite serialises their writes, and each server marks as interrupted
only the runs left active by a server of its own machine that is no longer running.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import socket
import sqlite3
import threading
import time
import uuid

from fitlab import config

KEEP_SECONDS = 24 * 3600.0  # a workshop day, and the evening after it
MAX_BYTES = 2_000_000_000  # about 150 learners at the upload and model limits
# A learner seen this recently is in today's workshop: the size bound never removes them.
# Seen is renewed while any tab of theirs is open (ui/state.py), not only when one opens.
TODAY_SECONDS = 12 * 3600.0
LEARNER_ID = re.compile(r"[0-9a-f]{32}")
# host, process and a token of this start: a restarted server may get its old process id
THIS_SERVER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, learner TEXT NOT NULL, number INTEGER NOT NULL,
    active INTEGER NOT NULL, server TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_of_learner ON runs (learner, number);
CREATE TABLE IF NOT EXISTS learners (learner TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS progress (
    learner TEXT NOT NULL, kind TEXT NOT NULL, exercise TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (learner, kind, exercise));
"""
# What `progress` keeps of each exercise: why it counts as done, and the predict-first choice;
# and, under PINNED, the runs the learner pinned under the Train page's charts (the run's
# id as its key: a number may come back after a deletion).
DONE, PREDICTED, PINNED = "done", "predicted", "pinned"


class RunStore:
    def __init__(self, folder: pathlib.Path | None = None, keep_seconds: float = KEEP_SECONDS,
                 max_bytes: int = MAX_BYTES):
        self.folder = pathlib.Path(folder) if folder else config.store_folder()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)  # photos of people's own: this user's eyes only
        self.keep_seconds, self.max_bytes = keep_seconds, max_bytes
        self._lock = threading.Lock()
        # One connection shared by the server's threads, each use under the lock; autocommit,
        # and a write-ahead log so that readers never wait for a writer.
        self._db = sqlite3.connect(self.folder / "runs.sqlite", check_same_thread=False,
                                   isolation_level=None, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

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
        `add=False`, only a learner the store already keeps something of is noted."""
        with self._lock:
            if add:
                self._db.execute(
                    "INSERT INTO learners VALUES (?, ?) ON CONFLICT (learner) "
                    "DO UPDATE SET seen_at = excluded.seen_at", (learner, now or time.time()))
            else:
                self._db.execute("UPDATE learners SET seen_at = ? WHERE learner = ?",
                                 (now or time.time(), learner))

    def has_room(self, adding: int = 0) -> bool:
        """Whether `adding` more bytes keep the store within max_bytes."""
        return has_room(self.folder, adding, self.max_bytes)

    # -- runs --------------------------------------------------------------------------------

    def save(self, run_id: str, learner: str, number: int, active: bool, record: dict) -> None:
        text = json.dumps(record)
        with self._lock:
            self._db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "active = excluded.active, server = excluded.server, record = excluded.record",
                (run_id, learner, number, int(active), THIS_SERVER, text))

    def runs(self, learner: str) -> list[tuple[str, int, dict]]:
        """(id, number, record) of each of the learner's runs, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, number, record FROM runs WHERE learner = ? ORDER BY number",
                (learner,)).fetchall()
        return [(run_id, number, json.loads(record)) for run_id, number, record in rows]

    def last_number(self, learner: str) -> int:
        with self._lock:
            (number,) = self._db.execute(
                "SELECT COALESCE(MAX(number), 0) FROM runs WHERE learner = ?",
                (learner,)).fetchone()
        return number

    def delete(self, run_id: str) -> None:
        with self._lock:
            row = self._db.execute("SELECT record FROM runs WHERE id = ?", (run_id,)).fetchone()
            self._db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        if row:
            _remove_model(json.loads(row[0]))

    def left_active(self) -> list[tuple[str, str, int, dict]]:
        """(id, learner, number, record) of runs still marked active that were left by a
        server of this machine that has stopped: a restart or a crash."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, learner, number, server, record FROM runs WHERE active = 1"
            ).fetchall()
        return [(run_id, learner, number, json.loads(record))
                for run_id, learner, number, server, record in rows if _gone(server)]

    # -- exercise progress -------------------------------------------------------------------
    # Kept with the learner like their runs, not in the page's address: a link is shared,
    # opened in another tab or typed in, and carries settings only.

    def keep_progress(self, learner: str, kind: str, exercise: str, value: str) -> None:
        """Keep a mark (kind DONE, value: why it counts) or an answer (PREDICTED: the choice);
        the first one kept stands, as a prediction made before a run must."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO progress VALUES (?, ?, ?, ?)",
                             (learner, kind, exercise, value))

    def forget_progress(self, learner: str, kind: str, exercise: str) -> None:
        """Take a kept value back: a pinned run unpinned."""
        with self._lock:
            self._db.execute("DELETE FROM progress WHERE learner = ? AND kind = ? AND "
                             "exercise = ?", (learner, kind, exercise))

    def progress(self, learner: str, kind: str) -> dict[str, str]:
        """{exercise key: value} of one kind, in the order kept."""
        with self._lock:
            rows = self._db.execute(
                "SELECT exercise, value FROM progress WHERE learner = ? AND kind = ? "
                "ORDER BY rowid", (learner, kind)).fetchall()
        return dict(rows)

    # -- what is kept ------------------------------------------------------------------------

    def sweep(self, keep: set[str] = frozenset(), now: float | None = None) -> list[str]:
        """Remove the runs and files of learners not seen for `keep_seconds`, then of the
        least recently seen until the store is under `max_bytes`, but none seen in the last
        TODAY_SECONDS; never those in `keep` (learners with a tab open or a run in
        progress). Returns the learners removed."""
        now = time.time() if now is None else now
        with self._lock:
            seen = dict(self._db.execute("SELECT learner, seen_at FROM learners").fetchall())
            with_runs = {learner for (learner,) in
                         self._db.execute("SELECT DISTINCT learner FROM runs").fetchall()}
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
        with self._lock:
            self._db.execute("DELETE FROM runs WHERE learner = ?", (learner,))
            self._db.execute("DELETE FROM progress WHERE learner = ?", (learner,))
            self._db.execute("DELETE FROM learners WHERE learner = ?", (learner,))
        shutil.rmtree(self.folder / "learners" / learner, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def has_room(folder: pathlib.Path, adding: int, max_bytes: int | None = None) -> bool:
    """Whether the store in `folder` takes `adding` more bytes within `max_bytes` (MAX_BYTES):
    when today's learners fill it, what is new is refused rather than anyone's runs removed."""
    return _size(folder) + adding <= (MAX_BYTES if max_bytes is None else max_bytes)


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
