"""Where what several servers share is kept: one SQLAlchemy engine per database address.

FITLAB_DATABASE_URL (postgresql://...) lets servers behind a balancer share it; without it,
the run store's own SQLite file (`runs.sqlite` in the store's folder). Tables are defined on
`metadata` by the modules that own them (fitlab/classroom.py) and made on first use."""

from __future__ import annotations

import functools
import pathlib

import sqlalchemy

from fitlab import config

metadata = sqlalchemy.MetaData()


def engine(folder: pathlib.Path) -> sqlalchemy.Engine:
    """The engine for FITLAB_DATABASE_URL, else for the SQLite file in `folder`; one per
    address, its tables made."""
    return _engine(config.database_url() or f"sqlite:///{pathlib.Path(folder) / 'runs.sqlite'}")


@functools.cache
def _engine(url: str) -> sqlalchemy.Engine:
    made = sqlalchemy.create_engine(url)
    if made.dialect.name == "sqlite":
        # the store's own connection writes the same file: wait for it rather than fail
        sqlalchemy.event.listen(made, "connect", _sqlite_waits)
    metadata.create_all(made)
    return made


def _sqlite_waits(connection, _record) -> None:
    connection.execute("PRAGMA busy_timeout = 30000")
