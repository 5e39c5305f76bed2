"""Rate-limit counters in a SQLite file, shared by every worker process of one host (ADR 0010).

The `limits` package offers memory (one process), Redis, Memcached and MongoDB. Memory counts
per worker, so ``serve --workers 4`` let four times the documented attempts through; the others
are servers a one-machine LAO or provincial install does not run. This storage registers the
scheme ``ldptrain+sqlite:///path`` through `limits`' public extension point (a `Storage`
subclass with ``STORAGE_SCHEME``), so Flask-Limiter uses it like any other. Each increment is one
UPSERT in its own short transaction; SQLite's file lock makes it atomic across processes.
Counters are not precious, so the file skips fsync (a power cut at worst forgets a minute's
counts).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse

from limits.storage import Storage

SCHEME = "ldptrain+sqlite"

_SCHEMA = ("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, "
           "expires REAL NOT NULL)")
_INCR = ("INSERT INTO counters (key, hits, expires) VALUES (:key, :amount, :expires) "
         "ON CONFLICT (key) DO UPDATE SET "
         "hits = CASE WHEN expires <= :now THEN :amount ELSE hits + :amount END, "
         "expires = CASE WHEN expires <= :now THEN :expires ELSE expires END "
         "RETURNING hits")


def url_for_file(path: str | os.PathLike[str]) -> str:
    """``ldptrain+sqlite://`` then the file's absolute path."""
    return f"{SCHEME}://{os.path.abspath(path)}"


class SQLiteFileStorage(Storage):
    """Fixed-window counters (Flask-Limiter's default strategy) in one SQLite file."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # Everything after "ldptrain+sqlite://" is the file's path (absolute: three slashes).
        self.path = urllib.parse.unquote(uri.split("://", 1)[1])
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # One connection per thread and process: a connection never crosses a fork.
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(_SCHEMA)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        row = self._db().execute(_INCR, {"key": key, "amount": amount, "now": now,
                                         "expires": now + expiry}).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT hits FROM counters WHERE key = ? AND expires > ?",
                                 (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        self._db().execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        db = self._db()
        count = db.execute("SELECT count(*) FROM counters").fetchone()[0]
        db.execute("DELETE FROM counters")
        return int(count)

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
