"""Write-through storage: one SQLite row per top-level object (JSON body), uploaded files on disk.

Reads never touch the database: the store loads every row once at start-up and keeps them in memory.
Each write replaces the changed object's row and the ID counters in one transaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class Codec:
    """JSON encoding of the store's dataclasses (datetimes, decimals and nested objects included)."""

    def __init__(self, classes: Iterable[type]):
        self.classes = {cls.__name__: cls for cls in classes}
        self._fields = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in self.classes.values()}

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {"$map": [[k, self.encode(v)] for k, v in value.items()]}
        if isinstance(value, datetime):
            return {"$dt": value.isoformat()}
        if isinstance(value, Decimal):
            return {"$dec": str(value)}
        names = self._fields[type(value)]
        out = {"$t": type(value).__name__}
        for name in names:
            out[name] = self.encode(getattr(value, name))
        return out

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "$t" in value:
            cls = self.classes[value["$t"]]
            return cls(**{k: self.decode(v) for k, v in value.items() if k != "$t"})
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$dec" in value:
            return Decimal(value["$dec"])
        if "$map" in value:
            return {k: self.decode(v) for k, v in value["$map"]}
        return {k: self.decode(v) for k, v in value.items()}

    def dumps(self, obj: Any) -> str:
        return json.dumps(self.encode(obj), separators=(",", ":"), ensure_ascii=False)

    def loads(self, text: str) -> Any:
        return self.decode(json.loads(text))


class DataDirInUse(RuntimeError):
    pass


class Database:
    """The SQLite file.  Callers serialise access (the store holds its lock around every call).

    One process at a time owns a data directory (an exclusive lock on ``sandbox.lock``): each sandbox keeps
    the data in memory, so a second one over the same files would silently drift apart from the first.
    """

    def __init__(self, path: Path, codec: Codec):
        self.path = path
        self.codec = codec
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(path.parent / "sandbox.lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            raise DataDirInUse(
                f"{path.parent} is in use by another TechLink sandbox; stop it first"
            ) from None
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()
        self._lock_file.close()

    def load(self) -> tuple[dict[str, list[Any]], dict[str, str]]:
        objects: dict[str, list[Any]] = {}
        for kind, body in self.conn.execute("SELECT kind, body FROM objects ORDER BY kind, id"):
            objects.setdefault(kind, []).append(self.codec.loads(body))
        meta = dict(self.conn.execute("SELECT key, value FROM meta"))
        return objects, meta

    def is_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM objects LIMIT 1").fetchone() is None

    def write(
        self,
        saves: Iterable[tuple[str, int, Any]] = (),
        deletes: Iterable[tuple[str, int]] = (),
        meta: dict[str, str] | None = None,
    ) -> None:
        """Save and delete objects and set meta keys, all in one transaction."""
        rows = [(kind, obj_id, self.codec.dumps(obj)) for kind, obj_id, obj in saves]
        with self._transaction():
            if rows:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO objects (kind, id, body) VALUES (?, ?, ?)", rows
                )
            deletes = list(deletes)
            if deletes:
                self.conn.executemany("DELETE FROM objects WHERE kind = ? AND id = ?", deletes)
            if meta:
                self.conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta.items())

    def wipe(self) -> None:
        with self._transaction():
            self.conn.execute("DELETE FROM objects")
            self.conn.execute("DELETE FROM meta")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
