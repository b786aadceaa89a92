"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file."""

import sqlite3
from pathlib import Path

PREFIX = "sqla+sqlite:///"


def prepare_sqlite_broker(url: str) -> None:
    """Put the broker's SQLite file in write-ahead-log mode (kept in the file, so once is enough): publishing
    a message then costs one sync instead of several, and the worker's polling does not block publishers."""
    if not url.startswith(PREFIX):
        return
    path = Path(url.removeprefix(PREFIX))
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path, timeout=30) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def poll_often() -> None:
    """A worker on this transport that has as many messages in hand as it may take waits ``polling_interval``
    before it looks again (kombu's default: one second), however soon a pool process is free: with short tasks
    that caps it near one message per process per second. A tenth of a second keeps the embedded broker's
    throughput near the pool's, for ten light queries a second while idle."""
    from kombu.transport import sqlalchemy

    sqlalchemy.Transport.polling_interval = 0.1
