"""A tracker store that cannot be reached fails the turn; it never silently forgets the conversation.

Rasa wraps every tracker store in `FailSafeTrackerStore`. When a read fails it logs an error and returns no
tracker, so the conversation starts from nothing; when a save fails it saves to an `InMemoryTrackerStore` of
that process, which no other replica sees and a restart loses, while the user has had an answer. A single
dead pooled PostgreSQL connection (after a failover, a restart or `pg_terminate_backend`) was enough.

Here:
- PostgreSQL connections are checked before use (SQLAlchemy's `pool_pre_ping`), so a connection the server
  closed is replaced instead of failing the first query on it;
- a read or a save that still fails is tried again, `ATTEMPTS` times in all with a short backoff (a save
  is safe to repeat: Rasa's SQL store writes only the events the database does not hold yet);
- then it raises `StoreUnavailable`. Nothing falls back to memory. The channel answers with its "try
  again" (REST: 503 with Retry-After), and a retry after the store is back sees the whole conversation.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, TypeVar, Union

import rasa.core.tracker_store as rasa_stores
from rasa.core.tracker_store import FailSafeTrackerStore

from server.patches.patch import Patch
from server.stores import StoreUnavailable

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_S = (0.2, 0.6)          # the waits between attempts: a restart or failover takes seconds
T = TypeVar("T")

_original_engine_kwargs = rasa_stores.create_engine_kwargs


@functools.wraps(_original_engine_kwargs)
def _create_engine_kwargs(url: Union[str, Any]) -> Dict[str, Any]:
    kwargs = _original_engine_kwargs(url)
    if rasa_stores.is_postgresql_url(url):
        kwargs["pool_pre_ping"] = True
    return kwargs


async def with_retries(what: str, sender_id: str, call: Callable[[], Awaitable[T]]) -> T:
    """`call()`, tried again after a failure; StoreUnavailable once every attempt failed."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any driver's error: the store could not do it
            if attempt == ATTEMPTS:
                logger.error("tracker store: %s of %s failed %d times, the turn fails: %s",
                             what, sender_id, ATTEMPTS, error.__class__.__name__)
                raise StoreUnavailable(f"tracker store {what} failed") from error
            logger.warning("tracker store: %s of %s failed (%s), trying again", what, sender_id,
                           error.__class__.__name__)
            await asyncio.sleep(BACKOFF_S[min(attempt - 1, len(BACKOFF_S) - 1)])
    raise AssertionError("unreachable")


async def _retrieve(self: FailSafeTrackerStore, sender_id: str) -> Optional[Any]:
    return await with_retries("read", sender_id, lambda: self._tracker_store.retrieve(sender_id))


async def _retrieve_full_tracker(self: FailSafeTrackerStore, sender_id: str) -> Optional[Any]:
    return await with_retries("read", sender_id, lambda: self._tracker_store.retrieve_full_tracker(sender_id))


async def _save(self: FailSafeTrackerStore, tracker: Any) -> None:
    await with_retries("save", tracker.sender_id, lambda: self._tracker_store.save(tracker))


PATCH = Patch("store_failures", "rasa", "3.6.21", [
    (FailSafeTrackerStore, "retrieve", _retrieve),
    (FailSafeTrackerStore, "retrieve_full_tracker", _retrieve_full_tracker),
    (FailSafeTrackerStore, "save", _save),
    (rasa_stores, "create_engine_kwargs", _create_engine_kwargs),
])
install = PATCH.install
