"""The embedded default tracker store: Rasa's SQLTrackerStore with a read cache for one process.

Every event is written to the database as before (the database stays the record: a restart or a second
reader sees everything). What changes is reading: after a conversation's first turn, this process keeps
the events of its current session as the Event objects a database read would give back (decoded from the
very JSON written to the database), and rebuilds the tracker from them instead of querying, parsing and
decoding every event again on each message (a large share of the server's busy time under load even when
the JSON text was cached: docs/performance.md). Rasa treats events as immutable (code that edits one edits a
deep copy), so trackers built from the same Event objects do not see each other's changes.

Writing: each save inserts its new events with one executemany statement (Rasa's ORM unit of work was
a measurable cost), the same rows Rasa writes, and asks only for the events the cache does not hold yet
(Rasa counted the stored events with a query on every save). A SQLite database keeps one open
connection and runs in WAL mode with `synchronous=NORMAL` (server/stores/sqlite.py): a commit no longer
waits for fsync (which blocked the event loop on each message); a crash of the process loses nothing, a
power cut or OS crash can lose the last commits (SQLite's documented trade-off).

The view is the SQL store's own: only the events of the latest session (timestamp >= the latest
`session_started`). Processes sharing the database (the Sanic workers of `make run`) stay coherent: a
cache entry remembers the id of the conversation's last stored event, and each read first asks the
database for that id (one indexed query); if another process has written since, the conversation is
read from the database again.
"""
from __future__ import annotations

import json
from contextlib import nullcontext
from collections import OrderedDict
from itertools import islice
from typing import Any, Iterable, List, Optional, Text

import sqlalchemy
import sqlalchemy.orm
import sqlalchemy.pool
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from server.stores.sqlite import schema_lock, tune


def current_session(events: List[Event]) -> List[Event]:
    """The events a SQL store returns for the latest session (see SQLTrackerStore._event_query)."""
    starts = [e.timestamp for e in events if isinstance(e, SessionStarted) and e.timestamp is not None]
    if not starts:
        return events
    start = max(starts)
    return [e for e in events if (e.timestamp or 0) >= start]


class CachedSQLTrackerStore(SQLTrackerStore):
    """A cache entry is [Event objects of the stored current session, events of the tracker last handed out
    or saved, id of the conversation's last stored event]: the tracker handed out holds exactly the cached
    events, so on save the count says which of its events are new (a new session or a tracker that does not
    match rebuilds the entry)."""

    def __init__(self, *args: Any, cache_size: int = 2000, **kwargs: Any) -> None:
        dialect, db = kwargs.get("dialect", "sqlite"), kwargs.get("db", "rasa.db")      # Rasa's defaults
        # Rasa's __init__ creates the tables: one process at a time on a shared SQLite file
        with schema_lock(db) if dialect == "sqlite" and db != ":memory:" else nullcontext():
            super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()
            self.engine = sqlite_engine(self.engine.url)
            self.sessionmaker = sqlalchemy.orm.session.sessionmaker(bind=self.engine)
        self.cache_size = int(cache_size)
        self._last_id_sql = sqlalchemy.text(f"SELECT max(id) FROM {self.SQLEvent.__tablename__} "
                                            "WHERE sender_id = :sender_id")
        self._cache: "OrderedDict[Text, List]" = OrderedDict()

    def _last_id(self, session: Any, sender_id: Text) -> Optional[int]:
        # plain SQL: the ORM select took five times as long to build as the indexed query took to run
        return session.execute(self._last_id_sql, {"sender_id": sender_id}).scalar()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        cached = self._cache.get(sender_id)
        if cached is not None:
            with self.session_scope() as session:
                if self._last_id(session, sender_id) != cached[2]:     # another process wrote since
                    del self._cache[sender_id]
                    cached = None
        if cached is None or self.domain is None:
            return await super().retrieve(sender_id)
        self._cache.move_to_end(sender_id)
        cached[1] = len(cached[0])                           # the tracker handed out holds the cached events
        return DialogueStateTracker.from_events(sender_id, cached[0], self.domain.slots)

    def _new_since_cached(self, tracker: DialogueStateTracker) -> Optional[list]:
        """The tracker's events not yet saved, known from the cache; None when only the database can tell."""
        cached = self._cache.get(tracker.sender_id)
        if not cached or cached[1] > len(tracker.events):
            return None
        new = list(islice(tracker.events, cached[1], None))
        return None if any(isinstance(e, SessionStarted) for e in new) else new

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save (same rows), keeping the JSON it writes to update the cache."""
        await self.stream_events(tracker)
        new_events = self._new_since_cached(tracker)
        written: List[Text] = []
        rows = []
        with self.session_scope() as session:
            unsaved = new_events if new_events is not None else self._additional_events(session, tracker)
            for event in unsaved:
                data = event.as_dict()
                written.append(json.dumps(data))
                rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                             "timestamp": data.get("timestamp"),
                             "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                             "action_name": data.get("name"), "data": written[-1]})
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            last_id = self._last_id(session, tracker.sender_id)
            session.commit()
        self._remember(tracker, new_events, written, last_id)

    def _remember(self, tracker: DialogueStateTracker, new_events: Optional[list], written: List[Text],
                  last_id: Optional[int]) -> None:
        cached, total = self._cache.get(tracker.sender_id), len(tracker.events)
        if new_events is not None:
            cached[0].extend(as_read_back(written))
            cached[1], cached[2] = total, last_id
        else:                                                # first save, a new session, or a stranger tracker
            stored = as_read_back(json.dumps(e.as_dict()) for e in tracker.events)
            self._cache[tracker.sender_id] = [current_session(stored), total, last_id]
        self._cache.move_to_end(tracker.sender_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def sqlite_engine(url: Any) -> Any:
    """An engine that keeps its connection (Rasa's uses NullPool: a connect and a close per save), with a WAL
    journal (kept in the file) and `synchronous=NORMAL` on that connection."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.SingletonThreadPool)

    sqlalchemy.event.listen(engine, "connect", lambda connection, _record: tune(connection))
    return engine


def as_read_back(rows: Iterable[Text]) -> List[Event]:
    """Events as the SQL store reads them: each row's JSON decoded into a new Event."""
    return deserialise_events([json.loads(row) for row in rows])
