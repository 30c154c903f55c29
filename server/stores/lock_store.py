"""The embedded default lock store: Rasa's ticket locks kept in a SQLite file, shared by the Sanic workers.

Rasa serialises the messages of one conversation with a ticket lock. Its in-memory lock store only works
inside one process, and Rasa refuses more than one worker with it; its Redis store needs a server. This
store keeps the same TicketLock records in a SQLite table, so the workers of `make run` (several processes
on one machine, no external server) take turns on a conversation exactly as replicas do with Redis.

Issuing a ticket and finishing one read, change and write the lock; each runs in one `BEGIN IMMEDIATE`
transaction, so two workers never hand out the same ticket (Rasa's Redis store does these steps without a
transaction). Waiting for a turn is Rasa's own loop.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockStore
from rasa.utils.endpoints import EndpointConfig

from server.stores.sqlite import connect, write_transaction

DEFAULT_DB = "rasa_state.db"


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
