"""The database behind the run store and the class: SQLite in the store's folder by default,
or the PostgreSQL server that FITLAB_DATABASE_URL names, which several servers behind a load
balancer share (docs/scaling.md). Every table is defined on `metadata` and written through
SQLAlchemy Core, so one set of statements serves both.

`engine(folder)` is one engine per address for the whole process, with the tables made
that do not exist yet. A bad address or a database that does not answer raises
`DatabaseError`, one sentence that never shows the address's password.
"""

from __future__ import annotations

import pathlib
import threading

import sqlalchemy
from sqlalchemy import event

from fitlab import config

metadata = sqlalchemy.MetaData()
# How long a statement waits for another server's write to SQLite's file before it fails.
SQLITE_BUSY_SECONDS = 30
# How long a server waits for PostgreSQL to answer at start, rather than hanging on it.
CONNECT_SECONDS = 10

_engines: dict[str, sqlalchemy.Engine] = {}
_made: dict[str, set[str]] = {}  # the tables already made in each database
_lock = threading.Lock()


class DatabaseError(config.ConfigError):
    """The database cannot be used; the message is a sentence for whoever starts Fit Lab."""


def url(folder: pathlib.Path) -> str:
    """FITLAB_DATABASE_URL, else the SQLite file existing stores have: runs.sqlite there."""
    return config.database_url() or f"sqlite:///{pathlib.Path(folder) / 'runs.sqlite'}"


def engine(folder: pathlib.Path) -> sqlalchemy.Engine:
    """The engine of the store in `folder` (of FITLAB_DATABASE_URL when set), with every
    table on `metadata` made: those defined since the first call are made at the next."""
    address = url(folder)
    with _lock:
        if address not in _engines:
            try:
                _engines[address] = _new_engine(address)
            except (sqlalchemy.exc.SQLAlchemyError, ImportError) as error:  # no driver
                raise DatabaseError(_unreachable(address, error)) from None
        made = _made.setdefault(address, set())
        if not set(metadata.tables) <= made:
            try:
                metadata.create_all(_engines[address])
            except sqlalchemy.exc.SQLAlchemyError as error:
                raise DatabaseError(_unreachable(address, error)) from None
            made |= set(metadata.tables)
        return _engines[address]


def _new_engine(address: str) -> sqlalchemy.Engine:
    if address.startswith("sqlite"):
        # Several servers of one machine may share the file: a write waits for another's
        # (the busy timeout), and a write-ahead log lets readers never wait for a writer.
        made = sqlalchemy.create_engine(address, connect_args={
            "timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})

        @event.listens_for(made, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return made
    # A connection dropped by the server or a network device is replaced before use; one
    # to a server gone silent fails within seconds (TCP keepalives, libpq's
    # tcp_user_timeout) rather than holding a run's events for TCP's minutes.
    return sqlalchemy.create_engine(address, pool_pre_ping=True, connect_args={
        "connect_timeout": CONNECT_SECONDS, "keepalives": 1, "keepalives_idle": 10,
        "keepalives_interval": 5, "keepalives_count": 3,
        "tcp_user_timeout": CONNECT_SECONDS * 1000})


def _unreachable(address: str, error: Exception) -> str:
    reason = (str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"])[0]
    named_by = "FITLAB_DATABASE_URL" if config.database_url() else "the run store's own file"
    sentence = (f"Fit Lab cannot use the database at {address} ({named_by}): "
                f"{reason.rstrip('.')}.")
    password = sqlalchemy.engine.make_url(address).password
    if password:  # wherever the driver's message quotes it
        sentence = sentence.replace(password, "***")
    return config.without_password(sentence)
