"""The README's run commands as a user, a service manager or CI meets them: `make run` (one and two workers)
and `make scaleout` start on a new database without an error, answer, and stop whole when their process
group gets SIGTERM or SIGINT: every process they started ends within STOP_BOUND seconds, with status 0 or
the signal's, nothing is printed as an error, and every answer a client got while conversations were in
flight is in the tracker store."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from scripts.cluster import start_postgres
from scripts.processes import Supervisor

from .conftest import (ARTIFACTS, ROOT, free_port, kill_all, make, make_run, started_by,
                       wait_for_log, wait_for_workers, wait_up)

STOP_BOUND = 15.0
CONVERSATIONS = 10
QUESTIONS = ["UK number for Office 365", "世纪互联的 Office 365 热线", "When does F&O technical support close?",
             "What is Sev B for 21Vianet Office 365?", "Dynamics 365 严重级别 C 是什么意思", "is D365 support 24/7?"]
# what counts as an error message in the output of a start and a stop
ERROR_LINE = re.compile(r"\bERROR\b|Traceback|Segmentation fault|make: \*\*\*|Exception in|Task exception", re.I)


def stop(proc: subprocess.Popen, sig: int) -> tuple:
    """Send `sig` to the process group of `proc`; returns (exit status, seconds until every process it had
    started had ended, names of those still running at the bound)."""
    procs = started_by(proc)
    t = time.time()
    os.killpg(proc.pid, sig)
    try:
        status = proc.wait(STOP_BOUND)
    except subprocess.TimeoutExpired:
        status = None
    _, alive = psutil.wait_procs(procs, timeout=max(0.1, t + STOP_BOUND - time.time()))
    seconds = time.time() - t
    print(f"{sig.name} to `make {' '.join(proc.args[1:2])}`: {len(procs)} processes ended in {seconds:.1f} s, "
          f"status {status}")
    return status, seconds, [" ".join(p.cmdline()[:4]) for p in alive if p.is_running()]


class Load:
    """CONVERSATIONS conversations, each a client sending one question after the other (with a message_id,
    as a careful client does) until the server goes away."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url, self.prefix = url, prefix
        self.answered: dict = {}            # sender -> [(message_id, [texts])] the client received
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._talk, args=(f"{prefix}-{i}",), daemon=True)
                        for i in range(CONVERSATIONS)]

    def _talk(self, sender: str) -> None:
        got = self.answered.setdefault(sender, [])
        for turn in range(40):
            if self.stop.is_set():
                return
            message_id = f"{sender}-{turn}"
            body = {"sender": sender, "message": QUESTIONS[turn % len(QUESTIONS)], "message_id": message_id}
            try:
                r = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=20)
            except requests.RequestException:
                return                                  # the server is going away
            if r.status_code == 200 and r.json():
                got.append((message_id, [m.get("text", "") for m in r.json()]))
            time.sleep(0.05)

    def start(self) -> "Load":
        for t in self.threads:
            t.start()
        deadline = time.time() + 60
        while min(len(self.answered.get(f"{self.prefix}-{i}", [])) for i in range(CONVERSATIONS)) < 2:
            assert time.time() < deadline, "the conversations did not get going"
            time.sleep(0.1)
        return self

    def join(self) -> int:
        self.stop.set()
        for t in self.threads:
            t.join(30)
        return sum(len(v) for v in self.answered.values())


def assert_stored(answered: dict, events_of) -> None:
    """Each answer a client received is in the store, after the user message it answered."""
    for sender, turns in answered.items():
        events = events_of(sender)
        for message_id, texts in turns:
            at = [i for i, e in enumerate(events) if e.get("event") == "user" and e.get("message_id") == message_id]
            assert len(at) == 1, (sender, message_id, "user message not stored once")
            after = []
            for e in events[at[0] + 1:]:
                if e.get("event") == "user":
                    break
                if e.get("event") == "bot":
                    after.append(e.get("text") or "")
            assert [t for t in texts if t] == [t for t in after if t], (sender, message_id)


def sqlite_events(db: Path):
    def events_of(sender: str) -> list:
        with sqlite3.connect(db) as c:
            return [json.loads(d)
                    for (d,) in c.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]
    return events_of


def test_make_run_starts_the_assistant(model, tmp_path):
    """The README's quick start: `make run`, then the README's question is answered; the API stays closed."""
    proc, url, log = make_run(tmp_path, 2, "quickstart")
    try:
        wait_up(f"{url}/", proc, 180, log)       # /status needs the API, which stays closed
        r = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "qs", "message": "UK number for Office 365"},
                          timeout=30)
        assert "0800 032 6417" in " ".join(m.get("text", "") for m in r.json())
        # no API without a token
        assert requests.get(f"{url}/conversations/qs/tracker", timeout=10).status_code in (401, 403, 404)
        status, seconds, alive = stop(proc, signal.SIGTERM)
        assert alive == [] and seconds < STOP_BOUND
    finally:
        kill_all(proc)


@pytest.mark.parametrize("workers, sig", [(1, signal.SIGTERM), (2, signal.SIGTERM), (2, signal.SIGINT)],
                         ids=["1 worker, SIGTERM", "2 workers, SIGTERM", "2 workers, SIGINT"])
def test_make_run_stops_whole_with_conversations_in_flight(model, tmp_path, workers, sig):
    proc, url, log = make_run(tmp_path, workers, f"{workers}w_{sig.name}")
    try:
        wait_up(f"{url}/", proc, 180, log)
        wait_for_workers(log, workers, proc)
        load = Load(url, f"stop{workers}{sig.name}").start()
        status, seconds, alive = stop(proc, sig)
        answered = load.join()
        assert alive == [], alive
        assert seconds < STOP_BOUND, seconds
        assert status in (0, -sig, 128 + sig), status
        assert answered >= 2 * CONVERSATIONS
        assert_stored(load.answered, sqlite_events(tmp_path / "tracker.db"))
        output = log.read_text(errors="replace")
        assert output.count("Rasa server is up and running") == workers
        # neither the start nor the stop
        assert [line for line in output.splitlines() if ERROR_LINE.search(line)] == []
        actions = (ROOT / "action_server.log").read_text(errors="replace")          # make run's action-server log
        assert [line for line in actions.splitlines() if ERROR_LINE.search(line)] == []
    finally:
        kill_all(proc)


def test_make_run_stops_while_its_workers_are_still_loading(model, tmp_path):
    """A stop in the first seconds, while the workers load the model (a worker used to ignore it for good)."""
    proc, url, log = make_run(tmp_path, 2, "during_start")
    try:
        wait_for_log(log, "Loading model", proc, seconds=180)
        time.sleep(1.0)
        status, seconds, alive = stop(proc, signal.SIGTERM)
        assert alive == [] and seconds < STOP_BOUND, (alive, seconds)
        assert status in (0, -signal.SIGTERM), status
        assert [line for line in log.read_text(errors="replace").splitlines() if ERROR_LINE.search(line)] == []
    finally:
        kill_all(proc)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_make_scaleout_stops_whole_with_conversations_in_flight(model, tmp_path, sig):
    """`make scaleout` on a database of the test's own (so the stored turns can be read after the stop)."""
    db, pgdata = Supervisor(), ""
    try:
        postgres_url, pgdata = start_postgres(db, tmp_path)
        port = free_port()
        log = ARTIFACTS / f"make_scaleout_{sig.name}.log"
        proc = make(["scaleout", f"SCALEOUT_PORT={port}"], log, {"POSTGRES_URL": postgres_url})
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for_log(log, "ready in", proc)
            load = Load(url, f"scaleout-{sig.name}").start()
            status, seconds, alive = stop(proc, sig)
            load.join()
            assert alive == [], alive
            assert seconds < STOP_BOUND, seconds
            assert status in (0, -sig), status
            assert_stored(load.answered, postgres_events(postgres_url))
            output = log.read_text(errors="replace")
            assert [line for line in output.splitlines() if ERROR_LINE.search(line)] == []
            workdir = Path(re.search(r"logs in (\S+)\)", output).group(1))
            for replica in sorted(workdir.glob("rasa-*.log")) + sorted(workdir.glob("actions-*.log")):
                errors = [line for line in replica.read_text(errors="replace").splitlines() if ERROR_LINE.search(line)]
                assert errors == [], (replica.name, errors[:5])
        finally:
            kill_all(proc)
    finally:
        db.stop()
        shutil.rmtree(pgdata, ignore_errors=True)


def postgres_events(url: str):
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)

    def events_of(sender: str) -> list:
        with engine.connect() as c:
            rows = c.execute(sqlalchemy.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})
            return [json.loads(d) for (d,) in rows]
    return events_of
