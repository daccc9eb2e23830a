"""Telling when a browser session has gone for good, for whatever it leaves behind."""

from __future__ import annotations

# A reconnecting tab (a flaky network, a laptop lid) gets this long to come back.
GRACE_SECONDS = 30.0


class Departures:
    """When each owner (a browser session) was first seen away, and whether for too long."""

    def __init__(self, grace: float = GRACE_SECONDS):
        self.grace = grace
        self._away_since: dict[str, float] = {}

    def away_too_long(self, owner: str, now: float) -> bool:
        return now - self._away_since.setdefault(owner, now) >= self.grace

    def back(self, owner: str) -> None:
        self._away_since.pop(owner, None)
