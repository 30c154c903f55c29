"""The cached SQL tracker store returns exactly what the plain SQL store returns, and writes everything."""
import asyncio
import time

import sqlalchemy

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from server.stores.tracker_store import CachedSQLTrackerStore
from tests.conftest import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def dicts(tracker):
    return [e.as_dict() for e in tracker.events]


def test_cached_reads_match_the_database(tmp_path):
    async def scenario():
        db = str(tmp_path / "t.db")
        cached = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        plain = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        t0 = time.time()
        tracker = DialogueStateTracker.from_events("u1", [
            ActionExecuted("action_session_start", timestamp=t0), SessionStarted(timestamp=t0 + 0.001),
            ActionExecuted("action_listen", timestamp=t0 + 0.002),
            UserUttered("UK number", {"name": "ask_phone", "confidence": 1.0}, timestamp=t0 + 0.003),
            SlotSet("country", "uk", timestamp=t0 + 0.004)], DOMAIN.slots)
        await cached.save(tracker)
        first = await cached.retrieve("u1")
        assert dicts(first) == dicts(await plain.retrieve("u1"))              # same view as the database
        first.update(ActionExecuted("action_session_start", timestamp=t0 + 10))  # a new session begins
        first.update(SessionStarted(timestamp=t0 + 10.001))
        first.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}, timestamp=t0 + 10.002))
        await cached.save(first)
        again, from_db = await cached.retrieve("u1"), await plain.retrieve("u1")
        assert dicts(again) == dicts(from_db)                                 # only the latest session
        assert [e.as_dict().get("text") for e in again.events if isinstance(e, UserUttered)] == ["hi"]
        assert await cached.retrieve("nobody") is None
    asyncio.run(scenario())


def test_the_cache_is_bounded(tmp_path):
    async def scenario():
        store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "b.db"), cache_size=2)
        for s in ("a", "b", "c"):
            await store.save(DialogueStateTracker.from_events(s, [ActionExecuted("action_listen")], DOMAIN.slots))
        assert list(store._cache) == ["b", "c"]
        assert (await store.retrieve("a")).sender_id == "a"                # evicted: read from the database
    asyncio.run(scenario())


def test_incremental_saves_match_the_database_across_turns_and_a_new_session(tmp_path):
    """A new conversation's tracker saved twice (as Rasa does), trackers from the cache extended and saved,
    a session restart on a tracker that holds the old session: the cache gives what the database gives."""
    async def scenario():
        db = str(tmp_path / "i.db")
        cached = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        plain = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        t = time.time()
        # session start events share a timestamp: Rasa's SQL store counts the stored events of the latest
        # session to find the new ones, which only works if the session's first event is in that session
        tracker = DialogueStateTracker.from_events("u", [ActionExecuted("action_session_start", timestamp=t),
                                                         SessionStarted(timestamp=t)], DOMAIN.slots)
        await cached.save(tracker)
        tracker.update(ActionExecuted("action_listen", timestamp=t + 0.002))
        await cached.save(tracker)                                              # same object again
        for i in range(3):
            turn = await cached.retrieve("u")
            turn.update(UserUttered(f"q{i}", {"name": "ask_phone", "confidence": 1.0}, timestamp=t + 1 + i))
            turn.update(SlotSet("country", f"c{i}", timestamp=t + 1.1 + i))
            await cached.save(turn)
            assert dicts(await cached.retrieve("u")) == dicts(await plain.retrieve("u"))
        turn = await cached.retrieve("u")                 # the session expired: a new one starts on this object
        turn.update(ActionExecuted("action_session_start", timestamp=t + 100))
        turn.update(SessionStarted(timestamp=t + 100))
        turn.update(UserUttered("new", {"name": "greet", "confidence": 1.0}, timestamp=t + 100.002))
        await cached.save(turn)
        assert dicts(await cached.retrieve("u")) == dicts(await plain.retrieve("u"))
        assert [e.text for e in (await cached.retrieve("u")).events if isinstance(e, UserUttered)] == ["new"]
    asyncio.run(scenario())


def test_trackers_handed_out_do_not_share_state_and_an_unsaved_turn_is_forgotten(tmp_path):
    """Trackers are rebuilt from shared Event objects: one tracker's new events, slots and active loop must
    not reach another, and a turn that fails before its save must leave the next read as the database has it."""
    async def scenario():
        db = str(tmp_path / "s.db")
        cached = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        plain = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        t = time.time()
        await cached.save(DialogueStateTracker.from_events("u", [
            ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t),
            ActionExecuted("action_listen", timestamp=t + 0.001),
            UserUttered("UK number", {"name": "ask_phone", "confidence": 1.0}, timestamp=t + 0.002),
            SlotSet("country", "uk", timestamp=t + 0.003)], DOMAIN.slots))
        a, b = await cached.retrieve("u"), await cached.retrieve("u")
        a.update(SlotSet("country", "cn", timestamp=t + 1))
        a.update(ActiveLoop("route_form", timestamp=t + 1.001))
        assert (b.get_slot("country"), b.active_loop_name, len(b.events)) == ("uk", None, 5)
        c = await cached.retrieve("u")                       # a was never saved: its turn is forgotten
        assert (c.get_slot("country"), c.active_loop_name) == ("uk", None)
        assert dicts(c) == dicts(await plain.retrieve("u"))
        assert c.current_state() == (await plain.retrieve("u")).current_state()
    asyncio.run(scenario())


def test_rows_are_the_ones_rasa_writes_and_sqlite_runs_in_wal_mode(tmp_path):
    import sqlite3

    async def scenario():
        t = time.time()
        events = [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t),
                  ActionExecuted("action_listen", timestamp=t + 0.001),
                  UserUttered("UK number", {"name": "ask_phone", "confidence": 1.0}, timestamp=t + 0.002),
                  SlotSet("country", "uk", timestamp=t + 0.003), ActionExecuted("action_answer", timestamp=t + 1)]
        for store, name in ((SQLTrackerStore, "plain.db"), (CachedSQLTrackerStore, "cached.db")):
            s = store(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / name))
            tracker = DialogueStateTracker.from_events("u", events[:4], DOMAIN.slots)
            await s.save(tracker)
            tracker.update(events[4]), tracker.update(events[5])
            await s.save(tracker)
    asyncio.run(scenario())
    rows = {}
    for name in ("plain.db", "cached.db"):
        with sqlite3.connect(tmp_path / name) as db:
            rows[name] = db.execute("SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data "
                                    "FROM events ORDER BY id").fetchall()
    assert len(rows["plain.db"]) == 6 and rows["cached.db"] == rows["plain.db"]
    with sqlite3.connect(tmp_path / "cached.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "cached.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1          # NORMAL
    connects = []
    sqlalchemy.event.listen(store.engine, "connect", lambda *a: connects.append(1))

    async def three_saves():
        for i in range(3):
            tracker = await store.retrieve("u")
            tracker.update(SlotSet("country", f"c{i}", timestamp=time.time()))
            await store.save(tracker)
    asyncio.run(three_saves())
    assert connects == []                                 # the connection opened above is kept, not reopened


def test_two_processes_sharing_the_database_stay_coherent(tmp_path):
    """Two stores on one file stand for two Sanic workers: each sees the other's turns, never a stale cache."""
    async def scenario():
        db = str(tmp_path / "w.db")
        a = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        b = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        plain = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
        t = time.time()
        await a.save(DialogueStateTracker.from_events("u", [
            ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t),
            ActionExecuted("action_listen", timestamp=t + 0.001)], DOMAIN.slots))
        for i in range(6):                                   # turns alternate between the two workers
            store = (a, b)[i % 2]
            turn = await store.retrieve("u")
            assert [e.text for e in turn.events if isinstance(e, UserUttered)] == [f"q{j}" for j in range(i)]
            turn.update(UserUttered(f"q{i}", {"name": "ask_phone", "confidence": 1.0}, timestamp=t + 1 + i))
            turn.update(SlotSet("country", f"c{i}", timestamp=t + 1.1 + i))
            await store.save(turn)
        for store in (a, b):
            got = await store.retrieve("u")
            assert dicts(got) == dicts(await plain.retrieve("u")) and got.get_slot("country") == "c5"
    asyncio.run(scenario())


def test_stores_opening_one_new_database_create_its_tables_one_at_a_time(tmp_path, caplog):
    """The workers of `make run` open the same new file at once: the second waits for the first's tables
    instead of racing it (and logging "Could not create tables" at ERROR)."""
    import threading

    from server.stores.sqlite import schema_lock

    db = str(tmp_path / "new.db")
    opened = []
    with schema_lock(db):
        worker = threading.Thread(
            target=lambda: opened.append(CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)))
        worker.start()
        worker.join(1.0)
        assert opened == []                                     # it waits while another process creates them
    worker.join(30)
    assert len(opened) == 1
    barrier = threading.Barrier(4)

    def open_fresh(path):
        barrier.wait()
        opened.append(CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=path))
    fresh = str(tmp_path / "fresh.db")
    threads = [threading.Thread(target=open_fresh, args=(fresh,)) for _ in range(4)]
    with caplog.at_level("ERROR"):
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(opened) == 5
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    with sqlalchemy.create_engine(f"sqlite:///{fresh}").connect() as c:
        assert c.execute(sqlalchemy.text("SELECT count(*) FROM events")).scalar() == 0     # the table exists
