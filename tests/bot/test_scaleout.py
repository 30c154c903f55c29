"""Scale-out profile (scripts/cluster.py): real PostgreSQL, Redis and nginx on loopback, two Rasa replicas and
two action servers. A conversation moves between replicas without losing anything; a replica killed with
SIGKILL under a 20-conversation load costs retries, not messages."""
from __future__ import annotations

import concurrent.futures as cf
import json
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
import requests

from scripts.bench import OURS
from scripts.cluster import Cluster

from .conftest import ARTIFACTS, WECHAT
from .socketio_clients import WIDGET_SCRIPTS, ask_with_python_socketio, rasa_webchat_conversation
from .test_wechat import post_plain, reply_content, text_xml

TOKEN = "scaleout-test-token"
CONVERSATIONS = OURS                     # the benchmark's realistic bilingual conversations


@pytest.fixture(scope="module")
def cluster(model, tmp_path_factory, page_origin):
    work = tmp_path_factory.mktemp("cluster")
    c = Cluster(work, model, rasa=2, actions=2,
                extra_env=dict(WECHAT, RASA_API_TOKEN=TOKEN,
                               WEBCHAT_ALLOWED_ORIGINS=f"https://intranet.example,{page_origin}"))
    try:
        yield c.start()
    finally:
        c.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name in ("rasa-0", "rasa-1", "nginx-error"):
            if (work / f"{name}.log").exists():
                (ARTIFACTS / f"scaleout_{name}.log").write_bytes((work / f"{name}.log").read_bytes())


def post(url: str, sender: str, text: str, message_id: str, timeout: float = 60) -> requests.Response:
    return requests.post(f"{url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": text, "message_id": message_id}, timeout=timeout)


def tracker(url: str, sender: str) -> dict:
    r = requests.get(f"{url}/conversations/{sender}/tracker", params={"token": TOKEN}, timeout=30)
    r.raise_for_status()
    return r.json()


def user_turns(t: dict) -> list:
    return [(e.get("message_id"), e.get("text")) for e in t["events"] if e.get("event") == "user"]


def test_a_conversation_alternating_between_replicas_keeps_its_slots_and_history(cluster):
    sender = f"alt-{uuid.uuid4().hex[:8]}"
    turns = ["what is the support phone number?", "Microsoft 365", "Australia"]
    answers = [post(cluster.replica_url(i % 2), sender, text, f"m{i}").json() for i, text in enumerate(turns)]
    # the product and country asked on the other replica
    assert "1 800 197 503" in answers[-1][0]["text"]
    for i in range(2):
        t = tracker(cluster.replica_url(i), sender)
        assert user_turns(t) == [(f"m{k}", text) for k, text in enumerate(turns)]
        assert t["slots"]["product"] == "m365" and t["slots"]["country"] == "au"
    # the same message again, on the other replica: answered from the record, not handled twice
    again = post(cluster.replica_url(1), sender, turns[-1], "m2").json()
    assert again == answers[-1]
    assert len(user_turns(tracker(cluster.replica_url(0), sender))) == 3


def test_a_wechat_retry_on_another_replica_joins_the_first_turn(cluster):
    openid, msg_id = f"o{uuid.uuid4().hex[:20]}", str(int(time.time() * 1000))
    xml = text_xml("世纪互联的 Office 365 热线是多少", openid, msg_id)
    first = reply_content(post_plain(SimpleNamespace(url=cluster.replica_url(0)), xml))
    retry = reply_content(post_plain(SimpleNamespace(url=cluster.replica_url(1)), xml))
    assert "400-089-0365" in first and retry == first
    users = user_turns(tracker(cluster.replica_url(1), f"wechat-{openid}"))
    assert [text for _, text in users] == ["世纪互联的 Office 365 热线是多少"]


def test_security_defaults_hold_behind_the_load_balancer(cluster):
    """The HTTP API answers only with the token; socket.io only from the configured origin."""
    assert requests.get(f"{cluster.url}/conversations/x/tracker", timeout=10).status_code == 401
    assert requests.get(f"{cluster.url}/conversations/x/tracker", params={"token": "wrong"},
                        timeout=10).status_code == 401
    assert requests.get(f"{cluster.url}/conversations/x/tracker", params={"token": TOKEN},
                        timeout=10).status_code == 200

    def handshake(origin):
        return requests.get(f"{cluster.url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                            headers={"Origin": origin}, timeout=10).status_code
    assert handshake("https://intranet.example") == 200 and handshake("https://evil.example") == 400


def test_messages_of_one_conversation_sent_to_both_replicas_at_once_are_handled_one_at_a_time(cluster):
    """Ten messages of one conversation posted at the same instant, alternately to the two replicas: each is
    stored once, and each turn (the message, its answers, then listening) is whole before the next starts."""
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    texts = ["UK number for Microsoft 365", "and Australia?", "and Canada?", "support hours?", "英国的电话",
             "Sev A response time for Microsoft 365?", "and the US number?", "where do I open a request?",
             "thanks", "Microsoft 365 hours in Australia"]
    start = threading.Barrier(len(texts))

    def send(i: int) -> int:
        start.wait()
        return post(cluster.replica_url(i % 2), sender, texts[i], f"{sender}-{i}").status_code
    with cf.ThreadPoolExecutor(len(texts)) as pool:
        statuses = list(pool.map(send, range(len(texts))))
    assert statuses == [200] * len(texts)
    events = tracker(cluster.replica_url(0), sender)["events"]
    ids = [e.get("message_id") for e in events if e.get("event") == "user"]
    assert sorted(ids) == sorted(f"{sender}-{i}" for i in range(len(texts)))          # each once
    # one at a time: after a user message, the next user message comes only once the bot listens again
    listening = True
    for e in events:
        if e.get("event") == "user":
            assert listening, "a message was handled while another was"
            listening = False
        elif e.get("event") == "action" and e.get("name") == "action_listen":
            listening = True


def test_terminated_database_connections_leave_no_conversation_empty(cluster):
    """Every client connection of PostgreSQL terminated, as a failover or a restart does: each replica's
    pooled connections are dead. The next reads on both replicas still see every conversation whole, the
    next turn is answered from it, and nothing fell back to process memory. (Runs before a replica is killed.)"""
    turns = ["what is the support phone number?", "Microsoft 365", "Australia"]
    senders = [f"pg-{k}-{uuid.uuid4().hex[:6]}" for k in range(4)]
    for s in senders:
        for i, text in enumerate(turns):
            assert post(cluster.replica_url(i % 2), s, text, f"{s}-{i}").status_code == 200
    assert cluster.terminate_database_clients() >= 2         # both replicas held pooled connections
    for s in senders:
        for i in range(2):
            assert user_turns(tracker(cluster.replica_url(i), s)) == [(f"{s}-{k}", t) for k, t in enumerate(turns)]
    follow_up = post(cluster.replica_url(1), senders[0], "and the hours?", f"{senders[0]}-3")
    assert follow_up.status_code == 200 and "Australia" in json.dumps(follow_up.json(), ensure_ascii=False)
    for name in ("rasa-0", "rasa-1"):
        assert "InMemoryTrackerStore" not in (cluster.workdir / f"{name}.log").read_text(errors="replace")


def test_killing_a_replica_mid_load_loses_and_duplicates_nothing(cluster):
    """20 conversations through nginx; rasa-1 gets SIGKILL once a third of the turns are answered. Clients
    retry failed requests with the same message_id (on whichever replica nginx picks)."""
    plans = {f"load-{k}-{uuid.uuid4().hex[:6]}": CONVERSATIONS[k % len(CONVERSATIONS)] * 2 for k in range(20)}
    total = sum(len(p) for p in plans.values())
    answered, retries, killed = [0], [0], threading.Event()
    lock = threading.Lock()
    answers: dict = {}

    def converse(sender: str, turns: list) -> None:
        for j, text in enumerate(turns):
            deadline = time.time() + 120
            while True:
                try:
                    r = post(cluster.url, sender, text, f"{sender}-{j}")
                    if r.status_code == 200:
                        answers[(sender, j)] = r.json()
                        break
                    assert r.status_code >= 500, r.text                 # a 4xx would be our bug, not the crash
                except requests.RequestException:
                    pass
                assert time.time() < deadline, f"{sender} turn {j} never answered"
                with lock:
                    retries[0] += 1
                time.sleep(0.5)
            with lock:
                answered[0] += 1

    t0 = time.time()
    with cf.ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(converse, s, p) for s, p in plans.items()]
        while answered[0] < total // 3:
            assert not all(f.done() for f in futures), [f.exception() for f in futures if f.exception()]
            time.sleep(0.05)
        cluster.kill("rasa-1")
        killed.set()
        at = answered[0]
        for f in futures:
            f.result()
    elapsed = time.time() - t0

    lost, duplicated, unanswered = [], [], []
    for sender, turns in plans.items():
        ids = [mid for mid, _ in user_turns(tracker(cluster.replica_url(0), sender))]
        expected = [f"{sender}-{j}" for j in range(len(turns))]
        lost += [m for m in expected if m not in ids]
        duplicated += [m for m in set(ids) if ids.count(m) > 1]
        unanswered += [(sender, j) for j in range(len(turns))
                       if not any(m.get("text") for m in answers.get((sender, j), []))]
        assert ids == expected, sender
    figures = {"conversations": len(plans), "turns": total, "killed_after_answers": at, "client_retries": retries[0],
               "lost": len(lost), "duplicated": len(duplicated), "unanswered": len(unanswered),
               "seconds": round(elapsed, 1)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "failover.json").write_text(json.dumps(figures, indent=2))
    print("failover:", figures)
    assert cluster.procs["rasa-1"].poll() is not None                    # the replica really died
    assert retries[0] > 0                                                # and requests in flight on it were retried
    assert not lost and not duplicated and not unanswered


@pytest.mark.parametrize("transports, ends_on, language", [(None, "websocket", "en"), (["polling"], "polling", "zh")],
                         ids=["default: polling, then the upgrade", "polling only"])
def test_python_socketio_client_gets_answers_through_the_load_balancer(cluster, transports, ends_on, language):
    script = WIDGET_SCRIPTS[language]
    got = ask_with_python_socketio(cluster.url, [script["ask"], "/inform{\"product\":\"m365\"}", script["country"]],
                                   language, transports)
    assert got["transport"] == ends_on
    assert script["number"] in got["answers"][2]


def test_rasa_webchat_from_npm_works_through_the_load_balancer(browser, cluster, page_origin):
    rasa_webchat_conversation(browser, page_origin, cluster.url, "en", "scaleout")
