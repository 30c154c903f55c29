"""Rasa's `events` table (one row per event: id, sender_id, type_name, timestamp, intent_name, action_name,
data JSON), read and deleted with SQLAlchemy Core on SQLite or PostgreSQL.

Reading goes by batches of senders, each batch one indexed query (`ix_events_sender_id`) ordered by sender and
id, so memory holds one batch, whatever the size of the store. Only the events the review uses are fetched,
and the JSON of action rows is never sent (their name is a column). SQLite files are opened read-only for the
review (PostgreSQL sessions read-only) and never created: a mistyped path is an error, not a new empty
database.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import orjson
import sqlalchemy
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.routing.model import DIMS
from review.endpoints import StoreConfig, StoreError, sqlite_uri

# the slots whose values decide a turn's outcome and language (the rest are not read)
SLOTS = ("language", "requested_slot", "clarify_attempts", "topic") + tuple(DIMS)
SESSION_START_ACTION = "action_session_start"


@dataclass(frozen=True)
class Event:
    """One stored event; `data` is the decoded JSON for user, bot and slot events, None otherwise."""
    id: int
    type_name: str
    timestamp: float
    action_name: Optional[str]
    intent_name: Optional[str]
    data: Optional[Dict[str, Any]]


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


class Store:
    """An open tracker store. `write=True` only for the purge."""

    def __init__(self, config: StoreConfig, write: bool = False) -> None:
        self.config = config
        path = config.sqlite_path
        if path is not None:
            if not path.is_file():
                raise StoreError(f"tracker store not found: {path} (run the assistant first, or pass the "
                                 "endpoints file it runs with)")
            self.engine: Engine = sqlalchemy.create_engine(sqlite_uri(path, "rw" if write else "ro"),
                                                           connect_args={"timeout": 30})
            sqlalchemy.event.listen(self.engine, "connect", _sqlite_pragmas(write))
        else:
            connect_args = dict(config.connect_args)
            if not write:                                   # the review reads: PostgreSQL refuses any write
                read_only = "-c default_transaction_read_only=on"
                connect_args["options"] = f"{connect_args.get('options', '')} {read_only}".strip()
            self.engine = sqlalchemy.create_engine(config.url, connect_args=connect_args)
        self._check()

    def _check(self) -> None:
        try:
            with self.engine.connect() as connection:
                has_events = sqlalchemy.inspect(connection).has_table("events")
        except SQLAlchemyError as e:
            raise StoreError(f"cannot open the tracker store {self.config.describe()}: {_first_line(e)}") from None
        if not has_events:
            raise StoreError(f"{self.config.describe()} has no `events` table: is it a Rasa tracker store?")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _run(self, statement: Any, params: Optional[Dict[str, Any]] = None) -> List[Tuple]:
        try:
            with self.engine.connect() as connection:
                return [tuple(r) for r in connection.execute(statement, params or {})]
        except SQLAlchemyError as e:
            raise StoreError(f"reading {self.config.describe()} failed: {_first_line(e)}") from None

    # ------------------------------------------------------------------------------------------ reading
    def senders_with_messages(self, start: float, end: float) -> List[str]:
        """Senders with a user message in [start, end) (epoch seconds), in sender order."""
        rows = self._run(text("SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' "
                              "AND timestamp >= :start AND timestamp < :end ORDER BY sender_id"),
                         {"start": start, "end": end})
        return [r[0] for r in rows]

    _EVENTS = text(
        "SELECT sender_id, id, type_name, timestamp, action_name, intent_name, "
        "CASE WHEN type_name IN ('user', 'bot', 'slot') THEN data END AS data FROM events "
        "WHERE sender_id IN :senders AND (type_name IN ('user', 'bot', 'session_started', 'restarted') "
        "OR (type_name = 'action' AND action_name = :session_action) "
        "OR (type_name = 'slot' AND action_name IN :slots)) ORDER BY sender_id, id"
    ).bindparams(bindparam("senders", expanding=True), bindparam("slots", expanding=True))

    def events(self, senders: Sequence[str], batch: int = 200) -> Iterator[Tuple[str, List[Event]]]:
        """(sender, its events in id order) for each sender, `batch` senders per query."""
        for i in range(0, len(senders), batch):
            rows = self._run(self._EVENTS, {"senders": list(senders[i:i + batch]), "slots": list(SLOTS),
                                            "session_action": SESSION_START_ACTION})
            yield from _by_sender(rows)

    # ------------------------------------------------------------------------------------------ purging
    def senders_older_than(self, cutoff: float) -> List[str]:
        """Senders with an event before `cutoff`: only they can have a conversation that ended before it."""
        rows = self._run(text("SELECT sender_id FROM events GROUP BY sender_id HAVING MIN(timestamp) < :cutoff "
                              "ORDER BY sender_id"), {"cutoff": cutoff})
        return [r[0] for r in rows]

    _OUTLINE = text("SELECT sender_id, id, type_name, timestamp, action_name, NULL, NULL FROM events "
                    "WHERE sender_id IN :senders ORDER BY sender_id, id"
                    ).bindparams(bindparam("senders", expanding=True))

    def outlines(self, senders: Sequence[str]) -> Iterator[Tuple[str, List[Event]]]:
        """Every event of these senders without its JSON: enough to find conversations and their ends."""
        yield from _by_sender(self._run(self._OUTLINE, {"senders": list(senders)}))

    def delete_ranges(self, ranges: Iterable[Tuple[str, int, int]]) -> int:
        """Deletes the events of each (sender, first id, last id) in one transaction; returns the rows deleted.
        Ids only grow, so a range taken from a read never holds an event written after it."""
        statement = text("DELETE FROM events WHERE sender_id = :sender AND id >= :first AND id <= :last")
        deleted = 0
        try:
            with self.engine.begin() as connection:
                for sender, first, last in ranges:
                    deleted += connection.execute(statement, {"sender": sender, "first": first,
                                                              "last": last}).rowcount
        except SQLAlchemyError as e:
            raise StoreError(f"deleting from {self.config.describe()} failed (that batch was rolled back): "
                             f"{_first_line(e)}") from None
        return deleted

    def checkpoint(self) -> None:
        """SQLite: copy the WAL into the database file and empty it, so deleted rows do not linger in the
        WAL (the server may hold it open; then SQLite empties it at its next checkpoint)."""
        if self.config.sqlite_path is None:
            return
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except SQLAlchemyError:
            pass                                     # busy: the server's own checkpoints will do it


def _sqlite_pragmas(write: bool):
    def on_connect(connection: Any, _record: Any) -> None:
        if write:
            cursor = connection.cursor()
            cursor.execute("PRAGMA secure_delete = ON")       # deleted text overwritten, not left in free pages
            cursor.close()
    return on_connect


def _by_sender(rows: Iterable[Tuple]) -> Iterator[Tuple[str, List[Event]]]:
    sender, events = None, []
    for sender_id, id_, type_name, timestamp, action_name, intent_name, data in rows:
        if sender_id != sender:
            if events:
                yield sender, events
            sender, events = sender_id, []
        events.append(Event(id_, type_name, timestamp or 0.0, action_name, intent_name,
                            _decode(data) if data else None))
    if events:
        yield sender, events


def _decode(data: str) -> Optional[Dict[str, Any]]:
    try:
        value = orjson.loads(data)                      # the review's largest cost after the fetch
    except orjson.JSONDecodeError:
        return None                                    # a damaged row is skipped, not fatal
    return value if isinstance(value, dict) else None
