"""The review and the purge on PostgreSQL, read through endpoints.scaleout.yml as the scale-out profile reads it.

The scale-out tests' PostgreSQL lives in a module fixture that needs a trained model and the whole cluster, so
this starts a throwaway server of its own with the same helper (scripts/cluster.py: start_postgres)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from urllib.parse import urlparse

import pytest
import sqlalchemy

from review.build import build
from review.endpoints import StoreError, store_config
from review.purge import purge
from review.privacy import SenderHasher
from review.store import Store
from scripts.cluster import find_binary, start_postgres
from scripts.processes import Supervisor
from tests.conftest import ROOT
from tests.review import known
from tests.review.builder import write_engine
from tests.review.conftest import SALT
from tests.review.test_purge import NOW, aged_conversations


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    try:
        find_binary("initdb")
    except SystemExit:
        pytest.skip("PostgreSQL is not installed (make services-deps)")
    supervisor, pgdata = Supervisor(on_log=lambda _msg: None), None
    try:
        url, pgdata = start_postgres(supervisor, tmp_path_factory.mktemp("pg-logs"))
        yield url
    finally:
        supervisor.stop()
        if pgdata:
            shutil.rmtree(pgdata, ignore_errors=True)


def test_review_and_purge_through_the_scaleout_endpoints(postgres, monkeypatch, reviewed, window, names, tmp_path):
    db = urlparse(postgres)
    env = {"DB_HOST": db.hostname, "DB_PORT": str(db.port), "DB_NAME": "rasa", "DB_USER": "rasa", "DB_PASSWORD": ""}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    engine = sqlalchemy.create_engine(postgres)
    write_engine(engine, known.conversations())
    config = store_config(ROOT / "endpoints.scaleout.yml")
    assert config.dialect == "postgresql"

    with Store(config) as store:                                   # the same figures as from SQLite
        on_postgres = build(store, window, SenderHasher(SALT), names)
    for key in reviewed:
        if key not in ("store", "generated_at"):
            assert on_postgres[key] == reviewed[key], key

    cli = subprocess.run([sys.executable, str(ROOT / "scripts" / "review.py"), "--endpoints", "endpoints.scaleout.yml",
                          "--since", "2026-11-30", "--until", "2026-12-06", "--out", str(tmp_path / "r")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0 and "10 conversations, 24 turns" in cli.stdout, cli.stderr

    write_engine(engine, aged_conversations(NOW))                   # the purge tests' conversations
    with engine.connect() as c:
        before = c.execute(sqlalchemy.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all()
    with Store(config) as store:
        assert purge(store, 90, dry_run=True, now=NOW).conversations == 3
        with pytest.raises(StoreError, match="read-only transaction"):      # what the review opens cannot write
            store.delete_ranges([("old-a", 0, 10 ** 9)])
    with engine.connect() as c:
        assert c.execute(sqlalchemy.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all() == before
    with Store(config, write=True) as store:
        result = purge(store, 90, now=NOW, batch=2)
    with engine.connect() as c:
        after = dict(c.execute(sqlalchemy.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all())
    counts = dict(before)
    assert result.conversations == 3 and set(after) == set(counts) - {"old-a", "old-b"}
    assert all(after[s] == counts[s] for s in after if s != "mixed") and after["mixed"] < counts["mixed"]
    assert result.events == sum(counts.values()) - sum(after.values())
    engine.dispose()
