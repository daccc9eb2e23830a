"""The run store's database (fitlab/database.py): an existing runs.sqlite read as it was, and
a bad or unreachable FITLAB_DATABASE_URL said in one sentence that hides its password."""

from __future__ import annotations

import json
import pathlib
import socket
import sqlite3
import sys

import pytest

from fitlab import config
from fitlab.store import DONE, RunStore

ANNA = "a" * 32
# runs.sqlite as stores wrote it before SQLAlchemy made the tables (fitlab/store.py then)
OLD_SCHEMA = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY, learner TEXT NOT NULL, number INTEGER NOT NULL,
    active INTEGER NOT NULL, server TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX runs_of_learner ON runs (learner, number);
CREATE TABLE learners (learner TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE progress (
    learner TEXT NOT NULL, kind TEXT NOT NULL, exercise TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (learner, kind, exercise));
"""


def test_a_store_written_before_sqlalchemy_keeps_its_runs_and_the_order_of_its_marks(tmp_path):
    old = sqlite3.connect(tmp_path / "runs.sqlite")
    old.executescript(OLD_SCHEMA)
    old.execute("INSERT INTO runs VALUES ('r1', ?, 1, 0, 'host:1:x', ?)",
                (ANNA, json.dumps({"settings": {}, "epochs": [{"loss": 1.5}]})))
    old.execute("INSERT INTO learners VALUES (?, 1000.0)", (ANNA,))
    for exercise in ("zeta", "alpha"):  # kept in this order, not the alphabet's
        old.execute("INSERT INTO progress VALUES (?, 'done', ?, 'yes')", (ANNA, exercise))
    old.commit()
    old.close()

    store = RunStore(tmp_path)
    assert store.runs(ANNA) == [("r1", 1, {"settings": {}, "epochs": [{"loss": 1.5}]})]
    store.keep_progress(ANNA, DONE, "beta", "yes")
    assert list(store.progress(ANNA, DONE)) == ["zeta", "alpha", "beta"]
    assert RunStore(tmp_path).last_number(ANNA) == 1  # a second server opens it as well
    assert store.sweep(now=1000.0 + 25 * 3600) == [ANNA] and store.runs(ANNA) == []


@pytest.mark.parametrize("address", [
    "mysql://fitlab:s3cret@db.internal/fitlab",
    "postgresql+psycopg2://fitlab:s3cret@db.internal/fitlab",
    "fitlab:s3cret@db.internal",
])
def test_an_address_fit_lab_cannot_use_is_named_without_its_password(
        monkeypatch, tmp_path, address):
    monkeypatch.setenv("FITLAB_DATABASE_URL", address)
    with pytest.raises(config.ConfigError) as raised:
        RunStore(tmp_path)
    sentence = str(raised.value)
    assert sentence.startswith("FITLAB_DATABASE_URL must be a PostgreSQL address")
    assert "s3cret" not in sentence and "\n" not in sentence


def test_a_database_that_does_not_answer_is_said_in_one_sentence_at_once(monkeypatch, tmp_path):
    with socket.socket() as probe:  # a free port: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("FITLAB_DATABASE_URL", f"postgresql://fitlab:s3cret@127.0.0.1:{port}/x")
    with pytest.raises(config.ConfigError) as raised:
        RunStore(tmp_path)
    sentence = str(raised.value)
    assert sentence.startswith(
        f"Fit Lab cannot use the database at postgresql+psycopg://fitlab:***@127.0.0.1:{port}/x")
    assert "s3cret" not in sentence and "\n" not in sentence
    assert "refused" in sentence  # psycopg's own reason, its first line


def test_the_app_says_that_sentence_in_place_of_a_page(monkeypatch):
    """What a learner, or the instructor starting the server, sees: the sentence, no
    traceback; the next page tries the database again."""
    from streamlit.testing.v1 import AppTest

    from ui import state

    monkeypatch.setenv("FITLAB_DATABASE_URL", "postgresql://fitlab:s3cret@127.0.0.1:1/x")
    state._run_store.clear()  # a store an earlier page test left cached
    try:
        at = AppTest.from_file("../app.py", default_timeout=60).run()
    finally:
        state._run_store.clear()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("Fit Lab cannot use the database at postgresql+psycopg://"
                                  "fitlab:***@127.0.0.1:1/x (FITLAB_DATABASE_URL): ")
    assert "s3cret" not in error.value


@pytest.mark.postgres
def test_a_run_written_while_the_database_is_away_is_kept_at_its_next_change(
        postgres_url, tmp_path, monkeypatch, caplog):
    """PostgreSQL restarting, or the network to it down, mid-class: the run goes on and the
    store catches up once it answers. A TCP relay in front of the server drops every
    connection and refuses new ones, then comes back (tests/e2e/server.py)."""
    import sqlalchemy

    sys.path.insert(0, str(pathlib.Path(__file__).parent / "e2e"))
    from server import FlakyLink

    address = sqlalchemy.engine.make_url(postgres_url)
    link = FlakyLink(address.port)
    monkeypatch.setenv("FITLAB_DATABASE_URL",
                       address.set(port=link.port).render_as_string(hide_password=False))
    store = RunStore(tmp_path)
    store.save("r1", ANNA, 1, True, {"epochs": [1.5]})
    link.drop()
    store.save("r1", ANNA, 1, True, {"epochs": [1.5, 1.2]})  # an epoch: no exception
    store.seen(ANNA)
    link.restore()
    store.save("r1", ANNA, 1, False, {"epochs": [1.5, 1.2, 1.0]})  # the end: all of it
    assert store.runs(ANNA) == [("r1", 1, {"epochs": [1.5, 1.2, 1.0]})]
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert any("did not take run r1" in warning for warning in warnings), warnings
    assert not any(address.password in warning for warning in warnings)
    store.close()
