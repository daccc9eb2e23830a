"""Private folders for a session's files, removed once its browser session has gone.

Each session gets its own folder under the system's temporary folder, made by `tempfile`
(readable by this user alone): the photos a learner uploads and the models their runs
train are written there and nowhere else.
"""

from __future__ import annotations

import atexit
import pathlib
import shutil
import tempfile
import threading
import time
from typing import Callable

from fitlab.sessions import Departures

SWEEP_SECONDS = 5.0
PREFIX = "fitlab-session-"


class SessionFolders:
    def __init__(self, owner_alive: Callable[[str], bool], sweep_every: float = SWEEP_SECONDS):
        self._owner_alive = owner_alive
        self._folders: dict[str, pathlib.Path] = {}
        self._departures = Departures()
        self._lock = threading.Lock()
        self._closed = False
        if sweep_every:
            threading.Thread(target=self._sweep_forever, args=(sweep_every,), daemon=True,
                             name="fitlab-session-sweeper").start()
        atexit.register(self.close)

    def folder(self, owner: str) -> pathlib.Path:
        """This session's folder, made on first use."""
        with self._lock:
            if owner not in self._folders:
                self._folders[owner] = pathlib.Path(tempfile.mkdtemp(prefix=PREFIX))
            return self._folders[owner]

    def sweep(self, now: float | None = None) -> list[pathlib.Path]:
        """Remove the folders of sessions away longer than the grace; return them."""
        now = time.monotonic() if now is None else now
        removed = []
        for owner, folder in list(self._folders.items()):
            if self._owner_alive(owner):
                self._departures.back(owner)
            elif self._departures.away_too_long(owner, now):
                with self._lock:
                    self._folders.pop(owner, None)
                self._departures.back(owner)
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        return removed

    def close(self) -> None:
        """Remove every folder: the server is stopping."""
        self._closed = True
        with self._lock:
            folders, self._folders = list(self._folders.values()), {}
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)

    def _sweep_forever(self, every: float) -> None:
        while not self._closed:
            time.sleep(every)
            self.sweep()
