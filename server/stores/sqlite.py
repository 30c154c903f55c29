"""SQLite as this project's stores use it: one settings home and one write-transaction helper.

The tracker store, the lock store and the channel state (budgets, WeChat) all open SQLite files that the
Sanic workers of one machine share: WAL so readers never wait for a writer, `synchronous=NORMAL` so a
commit does not wait for fsync (a process crash loses nothing; a power cut can lose the last commits).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator, Optional


def tune(connection: Any) -> None:
    """WAL journal (kept in the file) and `synchronous=NORMAL` on a DB-API connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def connect(path: str, timeout: float = 10) -> sqlite3.Connection:
    """A tuned connection in autocommit mode (transactions are explicit: see `write_transaction`)."""
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    tune(connection)
    return connection


@contextmanager
def write_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` ... `COMMIT` around a read-modify-write, rolled back on any error; a call inside
    an open transaction joins it."""
    if connection.in_transaction:
        yield connection
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class ProcessSQLite:
    """A SQLite connection to `path` opened in the process that uses it. Rasa builds the input channels
    before Sanic forks its workers; a connection opened then would be shared by the workers, which SQLite
    forbids. `schema` is run once per connection."""

    def __init__(self, path: str, schema: str) -> None:
        self.path, self.schema = path, schema
        self._db: Optional[sqlite3.Connection] = None
        self._pid = 0

    def __call__(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            self._db = connect(self.path)
            self._db.execute(self.schema)
            self._pid = os.getpid()
        return self._db


@contextmanager
def schema_lock(path: str) -> Iterator[None]:
    """Holds an exclusive `flock` on the database file while one process creates its tables.

    The Sanic workers of one machine open the same new file at the same moment; without this both check
    that the tables are missing and both create them, and the loser logs an ERROR at a normal start.
    `flock` locks are separate from the POSIX locks SQLite takes, so this does not interfere with SQLite.
    The file is created if missing (SQLite accepts an empty file as a new database)."""
    with open(path, "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
