"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file."""


def poll_often() -> None:
    """A worker on this transport that has as many messages in hand as it may take waits ``polling_interval``
    before it looks again (kombu's default: one second), however soon a pool process is free: with short tasks
    that caps it near one message per process per second. A tenth of a second keeps the embedded broker's
    throughput near the pool's, for ten light queries a second while idle."""
    from kombu.transport import sqlalchemy

    sqlalchemy.Transport.polling_interval = 0.1
