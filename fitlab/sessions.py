"""Telling when a learner has gone for good, for whatever they leave training."""

from __future__ import annotations

# How long a learner with no tab open keeps a run training: Streamlit's own default for
# keeping a disconnected session (server.disconnectedSessionTTL), within which a tab that
# comes back (flaky Wi-Fi, a laptop lid) finds everything as it left it.
GRACE_SECONDS = 120.0


class Departures:
    """When each owner (a learner) was first seen away, and whether for too long."""

    def __init__(self, grace: float = GRACE_SECONDS):
        self.grace = grace
        self._away_since: dict[str, float] = {}

    def away_too_long(self, owner: str, now: float) -> bool:
        return now - self._away_since.setdefault(owner, now) >= self.grace

    def back(self, owner: str) -> None:
        self._away_since.pop(owner, None)
