"""server/stores/sqlite.py: the settings every SQLite store gets, the write transaction, per-process
connections and the schema lock."""
import fcntl
import sqlite3

import pytest

from server.stores import sqlite as helper


def test_a_connection_is_in_wal_mode_without_fsync_per_commit_and_in_autocommit(tmp_path):
    db = helper.connect(str(tmp_path / "s.db"))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1          # NORMAL
    assert db.isolation_level is None


def test_a_write_transaction_commits_rolls_back_on_error_and_joins_an_open_one(tmp_path):
    db = helper.connect(str(tmp_path / "s.db"))
    db.execute("CREATE TABLE t (v INTEGER)")
    with helper.write_transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        with helper.write_transaction(db):                  # joins: no nested BEGIN
            db.execute("INSERT INTO t VALUES (2)")
    with pytest.raises(RuntimeError):
        with helper.write_transaction(db):
            db.execute("INSERT INTO t VALUES (3)")
            raise RuntimeError("boom")
    assert [r[0] for r in db.execute("SELECT v FROM t ORDER BY v")] == [1, 2]
    assert not db.in_transaction


def test_a_process_connection_is_opened_again_in_another_process_with_its_schema(tmp_path, monkeypatch):
    store = helper.ProcessSQLite(str(tmp_path / "s.db"), "CREATE TABLE IF NOT EXISTS t (v INTEGER)")
    first = store()
    assert store() is first                                 # the same process: the same connection
    monkeypatch.setattr(helper.os, "getpid", lambda: -1)      # as after Sanic forks a worker
    second = store()
    assert second is not first
    assert second.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_the_schema_lock_is_exclusive_while_held(tmp_path):
    path = tmp_path / "s.db"
    with helper.schema_lock(str(path)):
        with open(path, "ab") as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(path, "ab") as other:                          # released afterwards
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert sqlite3.connect(str(path)).execute("SELECT 1").fetchone() == (1,)   # an empty file is a database
