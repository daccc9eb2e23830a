"""Waiting for a state, for every test that waits: one helper, not a copy per file."""

from __future__ import annotations

import time


def wait_until(condition, seconds: float = 120, what: str = "the state it waits for") -> None:
    """Return once `condition()` is true; fail after `seconds`. A test waits for a state,
    never for a fixed time: `seconds` is a hang guard, not a pace."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def rerun_until(at, condition, seconds: float = 120, what: str = "the state it waits for"):
    """Rerun an AppTest, as the page's fragment redraws twice a second, until `condition(at)`;
    return `at`."""
    deadline = time.monotonic() + seconds
    while not condition(at):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
        at.run()
    return at
