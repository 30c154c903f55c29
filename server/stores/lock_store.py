"""Lock stores with atomic tickets: the embedded default (SQLite) and the scale-out profile's (Redis).

Rasa serialises the messages of one conversation with a ticket lock. Its in-memory lock store only works
inside one process, and Rasa refuses more than one worker with it; its Redis store reads, changes and writes
a lock with nothing in between to stop another replica doing the same.

- `SQLiteLockStore` keeps the same TicketLock records in a SQLite table, so the workers of `make run`
  (several processes on one machine, no external server) take turns on a conversation exactly as replicas
  do with Redis. Issuing, updating and finishing each run in one `BEGIN IMMEDIATE` transaction.
- `AtomicRedisLockStore` runs the same steps inside a Redis WATCH/MULTI transaction, and tries a command
  that meets a dropped connection again (3 times, backoff from 50 ms).

Either way two processes never hand out the same ticket. Waiting for a turn is Rasa's own loop.
"""
from __future__ import annotations

import json
import threading
from typing import Any, Callable, Optional, Text, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from server.stores.sqlite import connect, write_transaction

DEFAULT_DB = "rasa_state.db"
T = TypeVar("T")
REDIS_RETRIES, REDIS_BACKOFF_BASE_S, REDIS_BACKOFF_CAP_S = 3, 0.025, 0.2    # waits: 50, 100, 200 ms


class SQLiteLockStore(LockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, db: Text = DEFAULT_DB) -> None:
        path = ((endpoint_config.kwargs if endpoint_config else {}) or {}).get("db") or db
        self._db = connect(path, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS locks (conversation_id TEXT PRIMARY KEY, data TEXT NOT NULL)")

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        row = self._db.execute("SELECT data FROM locks WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def save_lock(self, lock: TicketLock) -> None:
        self._db.execute("INSERT OR REPLACE INTO locks (conversation_id, data) VALUES (?, ?)",
                         (lock.conversation_id, lock.dumps()))

    def delete_lock(self, conversation_id: Text) -> None:
        self._db.execute("DELETE FROM locks WHERE conversation_id = ?", (conversation_id,))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with write_transaction(self._db):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with write_transaction(self._db):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with write_transaction(self._db):
            super().cleanup(conversation_id, ticket_number)

    def close(self, *_: Any) -> None:
        self._db.close()


class _Transaction:
    """One lock's read-change-write inside a Redis WATCH/MULTI: reads go to the watched key until the
    operation changed the lock, then to the change; the change is written at the end."""

    def __init__(self, pipe: Any, key: str, conversation_id: Text) -> None:
        self.pipe, self.key, self.conversation_id = pipe, key, conversation_id
        self.changed, self.value = False, None

    def read(self) -> Optional[TicketLock]:
        raw = self.value if self.changed else self.pipe.get(self.key)
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def write(self, value: Optional[Text]) -> None:
        self.changed, self.value = True, value

    def commit(self) -> None:
        self.pipe.multi()
        if self.changed:
            if self.value is None:
                self.pipe.delete(self.key)
            else:
                self.pipe.set(self.key, self.value)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with atomic tickets, for replicas on several machines (endpoints.scaleout.yml).

    Rasa's store issues a ticket by reading the lock, adding a ticket and writing it back, with nothing in
    between to stop another replica doing the same: two replicas that receive messages of one conversation
    at the same instant can hand out the same ticket number and both hold the lock. Here issuing, updating
    and finishing each run Rasa's own steps inside a Redis transaction that watches the lock's key; if another
    replica changed the lock meanwhile, the steps run again on the new value. Waiting for a turn is Rasa's
    own loop. Same keys and values as Rasa's store."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        config = dict((endpoint_config.kwargs if endpoint_config else {}) or {}, **kwargs)
        host = config.pop("url", None) or (endpoint_config.url if endpoint_config else None) or "localhost"
        config.pop("type", None)
        super().__init__(host=host, **config)
        self._local = threading.local()         # the transaction in progress, per thread
        # a command that meets a dropped connection or a restarting server is tried again after 50, 100 and
        # 200 ms (Rasa's client raises at once): one policy for the plain commands (connections are made
        # lazily, so every one gets it) and for the transactions (_atomically)
        import redis
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry
        self._retry = Retry(ExponentialBackoff(cap=REDIS_BACKOFF_CAP_S, base=REDIS_BACKOFF_BASE_S), REDIS_RETRIES)
        self.red.connection_pool.connection_kwargs.update(
            retry=self._retry, retry_on_error=[redis.ConnectionError, redis.TimeoutError])

    @property
    def _tx(self) -> Optional[_Transaction]:
        return getattr(self._local, "tx", None)

    @_tx.setter
    def _tx(self, tx: Optional[_Transaction]) -> None:
        self._local.tx = tx

    def _atomically(self, conversation_id: Text, steps: Callable[[], T]) -> T:
        key = self.key_prefix + conversation_id

        def run(pipe: Any) -> T:
            tx = self._tx = _Transaction(pipe, key, conversation_id)
            try:
                result = steps()
                tx.commit()
                return result
            finally:
                self._tx = None

        # redis-py does not retry a transaction's commands itself; its waits run in the request's event loop.
        # An EXEC whose reply was lost can leave one extra ticket, which expires with the lock lifetime.
        return self._retry.call_with_retry(lambda: self.red.transaction(run, key, value_from_callable=True),
                                           lambda _error: None)

    def _in_tx(self, conversation_id: Text) -> Optional[_Transaction]:
        return self._tx if self._tx is not None and self._tx.conversation_id == conversation_id else None

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        tx = self._in_tx(conversation_id)
        return tx.read() if tx else super().get_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        tx = self._in_tx(lock.conversation_id)
        if tx:
            tx.write(lock.dumps())
        else:
            super().save_lock(lock)

    def delete_lock(self, conversation_id: Text) -> None:
        tx = self._in_tx(conversation_id)
        if tx:
            tx.write(None)
        else:
            super().delete_lock(conversation_id)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._atomically(conversation_id, lambda: LockStore.issue_ticket(self, conversation_id, lock_lifetime))

    def update_lock(self, conversation_id: Text) -> None:
        self._atomically(conversation_id, lambda: LockStore.update_lock(self, conversation_id))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self._atomically(conversation_id, lambda: LockStore.cleanup(self, conversation_id, ticket_number))
