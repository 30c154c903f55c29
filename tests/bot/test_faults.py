"""Infrastructure faults on the scale-out profile lose nothing (#16).

One cluster (scripts/cluster.py: real PostgreSQL, Redis and nginx, two Rasa replicas, two action servers).
For each fault, 10 conversations of 6 turns run at once through nginx at a person's pace; a third of the
way in the fault is injected, then cleared. A client retries a failed request (an error status or no
answer) with the same `message_id`, as the README says. Afterwards every conversation is read back from
both replicas and checked message by message: nothing lost, nothing stored twice, nothing out of order,
every turn answered, and no conversation empty. The figures go to docs/reliability.md, generated here.
"""
from __future__ import annotations

import concurrent.futures as cf
import json
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List

import psutil
import psycopg2
import pytest
import redis
import requests

from scripts.cluster import Cluster

from .conftest import ARTIFACTS, ROOT

TOKEN = "faults-test-token"
CONVERSATIONS, TURNS = 10, 6
PACE_S = 0.3                                     # between a person's messages
FREEZE_S = 6.0
TURN_DEADLINE_S = 90.0
QUESTIONS = ["what is the support phone number?", "Microsoft 365", "Australia", "and the hours?",
             "英国的电话呢", "Sev A response time?"]


@pytest.fixture(scope="module")
def cluster(model, tmp_path_factory):
    work = tmp_path_factory.mktemp("faults")
    c = Cluster(work, model, rasa=2, actions=2, extra_env={"RASA_API_TOKEN": TOKEN})
    try:
        yield c.start()
    finally:
        c.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name in ("rasa-0", "rasa-1"):
            if (work / f"{name}.log").exists():
                (ARTIFACTS / f"faults_{name}.log").write_bytes((work / f"{name}.log").read_bytes())


# ------------------------------------------------------------------------------------------- the faults
def service_processes(cluster: Cluster, name: str) -> List[psutil.Process]:
    """The processes of a store: its server and every child (PostgreSQL's backends run in sessions of their
    own, so a process group would miss them), without the `runuser` wrapper (which would stop itself too)."""
    top = psutil.Process(cluster.supervisor.procs[name].pid)
    return [p for p in [top] + top.children(recursive=True) if p.name() != "runuser"]


def freeze(name: str) -> Callable[[Cluster], None]:
    def inject(cluster: Cluster) -> None:
        frozen = service_processes(cluster, name)
        for p in frozen:
            p.send_signal(signal.SIGSTOP)
        try:
            time.sleep(FREEZE_S)
        finally:
            for p in frozen:
                p.send_signal(signal.SIGCONT)
    return inject


def restart_redis(cluster: Cluster) -> None:
    cluster.supervisor.restart("redis")
    cluster.supervisor.wait_until(lambda: redis.Redis.from_url(cluster.redis_url, socket_timeout=1).ping(),
                                  "redis", 30)


def restart_postgres(cluster: Cluster) -> None:
    cluster.supervisor.restart("postgres")

    def accepting() -> bool:
        psycopg2.connect(cluster.postgres_url, connect_timeout=2).close()
        return True
    cluster.supervisor.wait_until(accepting, "postgres", 60)


def drop_redis_clients(cluster: Cluster) -> None:
    redis.Redis.from_url(cluster.redis_url).client_kill_filter(_type="normal", skipme=True)


def drop_postgres_clients(cluster: Cluster) -> None:
    cluster.terminate_database_clients()


def kill_action_server(cluster: Cluster) -> None:
    cluster.kill("actions-0")                    # nginx sends the action calls to actions-1


FAULTS: Dict[str, Callable[[Cluster], None]] = {
    "Redis frozen 6 s": freeze("redis"),
    "Redis restarted": restart_redis,
    "Redis client connections dropped": drop_redis_clients,
    "PostgreSQL frozen 6 s": freeze("postgres"),
    "PostgreSQL restarted": restart_postgres,
    "PostgreSQL client connections dropped": drop_postgres_clients,
    "an action server killed": kill_action_server,
}


# ------------------------------------------------------------------------------------------- the load
@dataclass
class Load:
    sent: Dict[str, List[str]] = field(default_factory=dict)
    answers: Dict[tuple, list] = field(default_factory=dict)
    retries: int = 0
    longest_wait_s: float = 0.0
    answered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def converse(cluster: Cluster, load: Load, sender: str) -> None:
    for j, text in enumerate(QUESTIONS[:TURNS]):
        message_id = f"{sender}-{j}"
        t0, deadline = time.time(), time.time() + TURN_DEADLINE_S
        while True:
            try:
                r = requests.post(f"{cluster.url}/webhooks/rest/webhook", timeout=30,
                                  json={"sender": sender, "message": text, "message_id": message_id})
                if r.status_code == 200 and any(m.get("text") for m in r.json()):
                    load.answers[(sender, j)] = r.json()
                    break
                assert r.status_code >= 500 or r.status_code == 200, r.text      # a 4xx would be our bug
            except requests.RequestException:
                pass
            assert time.time() < deadline, f"{message_id} never answered"
            with load.lock:
                load.retries += 1
            time.sleep(0.5)
        with load.lock:
            load.longest_wait_s = max(load.longest_wait_s, time.time() - t0)
            load.answered += 1
        time.sleep(PACE_S)


def tracker(cluster: Cluster, replica: int, sender: str) -> dict:
    r = requests.get(f"{cluster.replica_url(replica)}/conversations/{sender}/tracker", params={"token": TOKEN},
                     timeout=30)
    r.raise_for_status()
    return r.json()


RESULTS: Dict[str, dict] = {}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_under_load_loses_duplicates_and_reorders_nothing(cluster, fault):
    load = Load()
    senders = [f"fault-{k}-{uuid.uuid4().hex[:6]}" for k in range(CONVERSATIONS)]
    t0 = time.time()
    with cf.ThreadPoolExecutor(CONVERSATIONS) as pool:
        futures = [pool.submit(converse, cluster, load, s) for s in senders]
        while load.answered < CONVERSATIONS * TURNS // 3:
            assert not all(f.done() for f in futures), [f.exception() for f in futures if f.exception()]
            time.sleep(0.05)
        FAULTS[fault](cluster)
        for f in futures:
            f.result()
    lost = duplicated = out_of_order = empty = 0
    for s in senders:
        expected = [f"{s}-{j}" for j in range(TURNS)]
        for replica in (0, 1):
            ids = [e.get("message_id") for e in tracker(cluster, replica, s)["events"] if e.get("event") == "user"]
            empty += not ids
            lost += sum(m not in ids for m in expected)
            duplicated += sum(ids.count(m) > 1 for m in set(ids))
            out_of_order += [m for m in ids if m in expected] != sorted(set(ids) & set(expected), key=expected.index)
    unanswered = sum(not any(m.get("text") for m in load.answers.get((s, j), [])) for s in senders
                     for j in range(TURNS))
    RESULTS[fault] = {"conversations": CONVERSATIONS, "turns": CONVERSATIONS * TURNS, "retries": load.retries,
                      "lost": lost, "duplicated": duplicated, "out_of_order": out_of_order, "empty": empty,
                      "unanswered": unanswered, "longest_wait_s": round(load.longest_wait_s, 1),
                      "seconds": round(time.time() - t0, 1)}
    write_report()
    assert (lost, duplicated, out_of_order, empty, unanswered) == (0, 0, 0, 0, 0), RESULTS[fault]
    if fault == "an action server killed":
        cluster.supervisor.restart("actions-0")


def write_report() -> None:
    lines = ["# Reliability: infrastructure faults under load", "",
             "Generated by `tests/bot/test_faults.py` (part of `make test`) on the scale-out profile: real "
             "PostgreSQL, Redis and nginx, two Rasa replicas, two action servers. For each fault, "
             f"{CONVERSATIONS} conversations of {TURNS} turns run at once through nginx, {PACE_S} s between a "
             "person's messages; a third of the way in the fault is injected and cleared. Clients retry a failed "
             "request with the same `message_id`. Every conversation is then read back from both replicas and "
             "checked message by message (counts below are over both reads).", "",
             "| fault | turns | client retries | lost | duplicated | out of order | empty conversations "
             "| unanswered | longest wait (s) | run (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for fault, r in RESULTS.items():
        lines.append(f"| {fault} | {r['turns']} | {r['retries']} | {r['lost']} | {r['duplicated']} | "
                     f"{r['out_of_order']} | {r['empty']} | {r['unanswered']} | {r['longest_wait_s']} | "
                     f"{r['seconds']} |")
    (ROOT / "docs" / "reliability.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "faults.json").write_text(json.dumps(RESULTS, indent=2, ensure_ascii=False))
