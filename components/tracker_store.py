"""The embedded default tracker store: Rasa's SQLTrackerStore with a read cache for one process.

Every event is written to the database as before (the database stays the record: a restart or a second
reader sees everything). What changes is reading: after a conversation's first turn, this process keeps
its current-session events (as JSON text, exactly like Rasa's InMemoryTrackerStore keeps a tracker) and
rebuilds the tracker from them instead of querying and decoding every event again on each message
(~30 % of the server's busy time under load, docs/performance.md).

The view is the SQL store's own: only the events of the latest session (timestamp >= the latest
`session_started`). Single process only: replicas sharing a database must use the plain SQL store (the
scale-out profile), since another process's writes would not reach this cache.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from itertools import islice
from typing import Any, Iterator, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

SESSION_STARTED = "session_started"


def current_session(events: list) -> list:
    """The events a SQL store returns for the latest session (see SQLTrackerStore._event_query)."""
    starts = [e.get("timestamp") for e in events if e.get("event") == SESSION_STARTED and e.get("timestamp") is not None]
    if not starts:
        return events
    start = max(starts)
    return [e for e in events if (e.get("timestamp") or 0) >= start]


class CachedSQLTrackerStore(SQLTrackerStore):
    """A cache entry is [events in the JSON, events of the tracker last saved or handed out, JSON array without
    its closing bracket]: a save appends only the new events' JSON instead of serialising the whole
    conversation again (the tracker handed out holds exactly the cached events, so the count says which
    of its events are new; a new session or a tracker that does not match rebuilds the entry)."""

    def __init__(self, *args: Any, cache_size: int = 5000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        self._cache: "OrderedDict[Text, List]" = OrderedDict()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        cached = self._cache.get(sender_id)
        if cached is None or self.domain is None:
            return await super().retrieve(sender_id)
        self._cache.move_to_end(sender_id)
        cached[1] = cached[0]                                # the tracker handed out holds the cached events
        return DialogueStateTracker.from_dict(sender_id, json.loads(cached[2] + "]"), self.domain.slots)

    def _new_since_cached(self, tracker: DialogueStateTracker) -> Optional[list]:
        """The tracker's events not yet saved, known from the cache; None when only the database can tell."""
        cached = self._cache.get(tracker.sender_id)
        if not cached or cached[1] > len(tracker.events):
            return None
        new = list(islice(tracker.events, cached[1], None))
        return None if any(e.type_name == SESSION_STARTED for e in new) else new

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Rasa counts the conversation's stored events with a query on every save (7 % of busy time);
        the cache already knows which events are new."""
        new = self._new_since_cached(tracker)
        return iter(new) if new is not None else super()._additional_events(session, tracker)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)                          # the database first: it stays the record
        cached, total = self._cache.get(tracker.sender_id), len(tracker.events)
        new_events = self._new_since_cached(tracker)
        if new_events is not None:
            new = [e.as_dict() for e in new_events]
            if new:
                cached[2] += ("," if cached[0] else "") + json.dumps(new)[1:-1]
            cached[0], cached[1] = cached[0] + len(new), total
        else:                                                # first save, a new session, or a stranger tracker
            events = current_session([e.as_dict() for e in tracker.events])
            self._cache[tracker.sender_id] = [len(events), total, json.dumps(events)[:-1]]
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
