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


# ------------------------------------------------------------------ Redis (the scale-out profile), atomic tickets
def redis_stores(redis_url, n=2):
    from server.stores.lock_store import AtomicRedisLockStore
    host, port = redis_url.split("//")[1].split("/")[0].split(":")
    config = EndpointConfig(url=host, type="server.stores.lock_store.AtomicRedisLockStore", port=port, db=0,
                            key_prefix="test")
    return [AtomicRedisLockStore(endpoint_config=config) for _ in range(n)]


def test_redis_tickets_are_unique_under_concurrency_across_replicas(redis_url):
    """Four replicas issue 200 tickets for one conversation from 16 threads at once: every number once."""
    import concurrent.futures as cf
    stores = redis_stores(redis_url, 4)
    conversation = "race-1"
    with cf.ThreadPoolExecutor(16) as pool:
        tickets = list(pool.map(lambda i: stores[i % 4].issue_ticket(conversation, 60), range(200)))
    assert sorted(tickets) == list(range(200))
    assert len(stores[0].get_lock(conversation).tickets) == 200
    with cf.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda t: stores[t % 4].cleanup(conversation, t), tickets))
    assert stores[1].get_lock(conversation) is None                   # every ticket finished: the lock is gone


def test_redis_turns_of_one_conversation_run_one_at_a_time_in_ticket_order(redis_url):
    a, b = redis_stores(redis_url)
    running, order, overlaps = [0], [], []

    async def turn(store, name):
        async with store.lock("conv-r", wait_time_in_seconds=0.01) as _:
            running[0] += 1
            overlaps.append(running[0])
            order.append(name)
            await asyncio.sleep(0.02)
            running[0] -= 1

    async def scenario():
        tasks = []
        for i in range(12):
            tasks.append(asyncio.create_task(turn((a, b)[i % 2], i)))
            await asyncio.sleep(0.002)                                 # arrival order 0, 1, 2, ...
        await asyncio.gather(*tasks)
    asyncio.run(scenario())
    assert max(overlaps) == 1 and order == list(range(12))
    assert a.get_lock("conv-r") is None


def test_redis_lock_keys_and_values_are_rasas_own(redis_url):
    from rasa.core.lock_store import RedisLockStore
    ours, = redis_stores(redis_url, 1)
    ours.issue_ticket("same-r", 60)
    host, port = redis_url.split("//")[1].split("/")[0].split(":")
    rasa = RedisLockStore(host=host, port=int(port), db=0, key_prefix="test")
    assert rasa.get_lock("same-r").last_issued == 0 and rasa.issue_ticket("same-r", 60) == 1
    assert ours.get_lock("same-r").last_issued == 1                    # a rolling upgrade can mix them


def test_rasas_own_redis_store_hands_out_a_ticket_twice_under_the_same_load(redis_url):
    """What AtomicRedisLockStore replaces: the same 200 tickets through Rasa's RedisLockStore repeat numbers
    (two replicas then both hold the lock) and lose tickets from the lock."""
    import concurrent.futures as cf

    from rasa.core.lock_store import RedisLockStore
    host, port = redis_url.split("//")[1].split("/")[0].split(":")
    stores = [RedisLockStore(host=host, port=int(port), db=0, key_prefix="rasa") for _ in range(4)]
    with cf.ThreadPoolExecutor(16) as pool:
        tickets = list(pool.map(lambda i: stores[i % 4].issue_ticket("race-rasa", 60), range(200)))
    assert len(set(tickets)) < len(tickets)


@pytest.mark.parametrize("failures_before", [1, 2])
def test_a_redis_command_that_meets_a_dropped_connection_is_tried_again(redis_url, monkeypatch, failures_before):
    """Issuing a ticket (a transaction) and reading a lock (a plain command) both get through."""
    from redis.connection import Connection
    store, = redis_stores(redis_url, 1)
    original, failures = Connection.send_packed_command, [0]

    def flaky(self, command, check_health=True):
        if failures[0]:
            failures[0] -= 1
            from redis import ConnectionError
            raise ConnectionError("Connection closed by server.")
        return original(self, command, check_health)
    monkeypatch.setattr(Connection, "send_packed_command", flaky)
    failures[0] = failures_before
    ticket = store.issue_ticket(f"flaky-{failures_before}", 60)
    assert failures == [0]
    failures[0] = failures_before
    assert store.get_lock(f"flaky-{failures_before}").last_issued == ticket == 0 and failures == [0]
