"""The SQLite lock store: Rasa's ticket semantics, shared by processes on one file."""
import asyncio
import sqlite3

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from server.stores.lock_store import SQLiteLockStore


def test_tickets_are_unique_and_served_in_order_across_two_stores(tmp_path):
    db = str(tmp_path / "locks.db")
    a, b = SQLiteLockStore(db=db), SQLiteLockStore(db=db)           # two workers
    tickets = [store.issue_ticket("c") for store in (a, b, a, b)]
    assert tickets == [0, 1, 2, 3]
    lock = b.get_lock("c")
    assert not lock.is_locked(0) and lock.is_locked(1)
    a.cleanup("c", 0)
    assert not a.get_lock("c").is_locked(1)                           # the next in line is served
    for t in (1, 2, 3):
        b.cleanup("c", t)
    assert a.get_lock("c") is None                                     # nobody waiting: the lock is gone


def test_a_second_message_waits_for_the_first_to_finish(tmp_path):
    db = str(tmp_path / "locks.db")
    a, b = SQLiteLockStore(db=db), SQLiteLockStore(db=db)
    order = []

    async def turn(store, name, hold):
        async with store.lock("conv", wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def scenario():
        first = asyncio.create_task(turn(a, "first", 0.3))
        await asyncio.sleep(0.05)
        await asyncio.gather(first, turn(b, "second", 0))
    asyncio.run(scenario())
    assert order == ["first in", "first out", "second in", "second out"]
    assert a.get_lock("conv") is None


def test_configured_from_the_endpoints_file_and_failures_roll_back(tmp_path, monkeypatch):
    db = tmp_path / "configured.db"
    store = SQLiteLockStore(endpoint_config=EndpointConfig(type="server.stores.lock_store.SQLiteLockStore", db=str(db)))
    store.issue_ticket("x")
    assert sqlite3.connect(db).execute("SELECT count(*) FROM locks").fetchone()[0] == 1
    monkeypatch.setattr(store, "save_lock", lambda lock: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(LockError):
        store.issue_ticket("y")
    assert not store._db.in_transaction and store.get_lock("y") is None
