"""The retention purge (review/purge.py, scripts/purge_conversations.py): what it deletes, what it keeps, and
what a running server's cache does afterwards."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from review.endpoints import StoreError, store_config
from review.purge import DAY, purge
from review.store import Store
from tests.conftest import ROOT
from tests.review.builder import Conversation, endpoints_for_sqlite, write_sqlite

NOW = 1796600000.0                                   # 2026-12-07


def ago(days: float, now: float = NOW) -> float:
    return now - days * DAY


def aged_conversations(now: float = NOW) -> list:
    """old-a / old-b: idle 100 / 95 days; recent: 10 days; edge: 89 days; long: began 100 days ago, last
    event 70 days ago; mixed: a session 120 days ago and one 5 days ago."""
    old_a = Conversation("old-a", ago(100, now)).answered("UK number", "ask_phone", "phone")
    old_a.fallback("call 13800138000")
    old_b = Conversation("old-b", ago(95, now), language="zh").ask("电话", "ask_phone", "product")
    recent = Conversation("recent", ago(10, now), channel="webchat").answered("AU number", "ask_phone", "phone")
    edge = Conversation("edge", ago(89, now)).answered("US number", "ask_phone", "phone")
    long = Conversation("long", ago(100, now), gap=15 * DAY).answered("a", "ask_phone", "phone").answered(
        "b", "ask_hours", "hours")
    mixed = Conversation("mixed", ago(120, now)).answered("old question", "ask_phone", "phone")
    mixed.session(gap=ago(5, now) - mixed.t).answered("new question", "ask_phone", "phone")
    return [old_a, old_b, recent, edge, long, mixed]


def store_with_ages(directory: Path, now: float = NOW) -> Path:
    return endpoints_for_sqlite(directory, write_sqlite(directory / "tracker.db", aged_conversations(now)))


def rows(endpoints: Path) -> dict:
    """sender -> [(id, type, data)] of the store."""
    db = sqlite3.connect(store_config(endpoints).sqlite_path)
    out: dict = {}
    for sender, id_, type_name, data in db.execute("SELECT sender_id, id, type_name, data FROM events ORDER BY id"):
        out.setdefault(sender, []).append((id_, type_name, data))
    db.close()
    return out


def texts(sender_rows) -> list:
    return [d for _, t, d in sender_rows if t == "user"]


@pytest.fixture
def aged(tmp_path) -> Path:
    return store_with_ages(tmp_path)


def test_a_dry_run_deletes_nothing(aged):
    before = rows(aged)
    with Store(store_config(aged)) as store:                       # read-only, as the CLI opens it
        result = purge(store, 90, dry_run=True, now=NOW)
        with pytest.raises(StoreError, match="readonly database"):
            store.delete_ranges([("old-a", 0, 10 ** 9)])
    assert rows(aged) == before
    assert result.conversations == 3 and result.senders == {"old-a", "old-b", "mixed"}
    first_session = len(before["mixed"]) - _second_session_size(before["mixed"])
    assert result.events == len(before["old-a"]) + len(before["old-b"]) + first_session


def _second_session_size(mixed_rows) -> int:
    starts = [i for i, r in enumerate(mixed_rows) if r[1] == "action" and '"action_session_start"' in r[2]]
    return len(mixed_rows) - starts[1]


@pytest.mark.parametrize("batch", [500, 1])
def test_old_conversations_go_whole_and_the_others_stay_whole(aged, batch):
    before = rows(aged)
    with Store(store_config(aged), write=True) as store:
        result = purge(store, 90, batch=batch, now=NOW)
    after = rows(aged)
    assert set(after) == {"recent", "edge", "long", "mixed"}
    for sender in ("recent", "edge", "long"):
        assert after[sender] == before[sender]
    kept = before["mixed"][-_second_session_size(before["mixed"]):]
    assert after["mixed"] == kept and any("new question" in d for d in texts(kept))
    assert not any("old question" in d for d in texts(after["mixed"]))
    deleted = sum(len(v) for v in before.values()) - sum(len(v) for v in after.values())
    assert (result.conversations, result.events) == (3, deleted)
    assert result.last_activity[0] == pytest.approx(ago(120), abs=3600)
    assert result.last_activity[1] == pytest.approx(ago(95), abs=3600)


def test_a_second_purge_finds_nothing(aged):
    with Store(store_config(aged), write=True) as store:
        purge(store, 90, now=NOW)
        again = purge(store, 90, now=NOW)
    assert (again.conversations, again.events) == (0, 0)


def test_days_must_be_positive(aged):
    with Store(store_config(aged)) as store, pytest.raises(ValueError):
        purge(store, 0, dry_run=True, now=NOW)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_deleted_text_is_overwritten_in_the_files(tmp_path, journal):
    """The server's SQLite store runs in WAL mode: neither the file nor its WAL keeps the deleted text."""
    endpoints = store_with_ages(tmp_path)
    path = store_config(endpoints).sqlite_path
    server = sqlite3.connect(path)                     # a server connection that stays open meanwhile
    server.execute(f"PRAGMA journal_mode={journal}")
    server.execute("SELECT count(*) FROM events").fetchone()
    with Store(store_config(endpoints), write=True) as store:
        purge(store, 90, now=NOW)
    files = [path] + [p for p in tmp_path.iterdir() if p.name.startswith(path.name + "-")]
    raw = b"".join(p.read_bytes() for p in files)
    assert b"13800138000" not in raw and b"old question" not in raw
    assert b"new question" in raw
    server.close()


# ---------------------------------------------------------------------------------------------- command line
def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "purge_conversations.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_the_command_line_dry_run_then_purge(tmp_path):
    endpoints = store_with_ages(tmp_path, now=time.time())
    before = rows(endpoints)
    dry = run("--days", "90", "--dry-run", "--endpoints", str(endpoints))
    assert dry.returncode == 0, dry.stderr
    assert "would delete 3 conversations" in dry.stdout and rows(endpoints) == before
    real = run("--days", "90", "--endpoints", str(endpoints), "--batch", "2")
    assert real.returncode == 0, real.stderr
    assert "deleted 3 conversations" in real.stdout and "of 3 senders" in real.stdout
    assert set(rows(endpoints)) == {"recent", "edge", "long", "mixed"}
    assert "senders checked" in real.stderr                                  # progress goes to stderr


@pytest.mark.parametrize("args,message", [
    ([], "the following arguments are required: --days"),
    (["--days", "0"], "'0' is not a positive whole number of days"),
    (["--days", "-3"], "is not a positive whole number"),
    (["--days", "ninety"], "'ninety' is not a positive whole number"),
    (["--days", "90", "--endpoints", "missing.yml"], "endpoints file not found: missing.yml"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, args, message):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_a_missing_store_is_not_created(tmp_path):
    endpoints = endpoints_for_sqlite(tmp_path, tmp_path / "nothing.db")
    out = run("--days", "90", "--endpoints", str(endpoints))
    assert out.returncode == 2 and "tracker store not found" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_make_refuses_without_days():
    out = subprocess.run(["make", "-o", ".venv/.installed", "purge-conversations"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode != 0 and "DAYS=" in out.stdout + out.stderr


def test_make_passes_days_and_dry_run():
    out = subprocess.run(["make", "-n", "-o", ".venv/.installed", "purge-conversations", "DAYS=90", "DRY_RUN=1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    command = next(line for line in out.stdout.splitlines() if "purge_conversations.py" in line)
    assert out.returncode == 0 and "--days 90" in command and "--dry-run" in command
    assert "--endpoints endpoints.yml" in command


# ---------------------------------------------------------------------------------------------- running server
def test_a_running_servers_cache_does_not_bring_a_purged_conversation_back(tmp_path):
    """CachedSQLTrackerStore keeps conversations in memory; after a purge it must read them afresh."""
    import asyncio

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from server.stores.tracker_store import CachedSQLTrackerStore

    domain = Domain.load(str(ROOT / "domain.yml"))
    db = tmp_path / "tracker.db"

    def tracker(sender, t0, text):
        return DialogueStateTracker.from_events(sender, [
            ActionExecuted("action_session_start", timestamp=t0), SessionStarted(timestamp=t0 + 0.001),
            ActionExecuted("action_listen", timestamp=t0 + 0.002),
            UserUttered(text, {"name": "ask_phone", "confidence": 1.0}, timestamp=t0 + 0.003)], domain.slots)

    async def scenario():
        server = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
        await server.save(tracker("gone", ago(100), "an old question"))
        kept = tracker("kept", ago(100), "an old question")
        await server.save(kept)
        again = await server.retrieve("kept")
        for e in tracker("kept", ago(1), "a new question").events:
            again.update(e)
        await server.save(again)                                       # a new session, 1 day ago
        assert (await server.retrieve("gone")) is not None and "gone" in server._cache
        with Store(store_config(endpoints_for_sqlite(tmp_path, db)), write=True) as store:
            assert purge(store, 90, now=NOW).conversations == 2
        assert await server.retrieve("gone") is None                   # not served from memory
        latest = await server.retrieve("kept")
        assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["a new question"]
    asyncio.run(scenario())
