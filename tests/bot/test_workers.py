"""`make run` starts two Sanic workers on shared SQLite stores: both serve, and conversations whose messages
land on either worker keep their context, their order and each message exactly once."""
import concurrent.futures as cf
import subprocess
import uuid
from pathlib import Path

import requests

from .conftest import WORKERS

TURNS = [("Microsoft 365 support number in the UK", "0800 032 6417"),
         ("and in Australia?", "1 800 197 503"),
         ("what are the hours?", None),
         ("UK phone number for Office 365", "0800 032 6417")] * 2


def worker_cpu_seconds(main_pid: int) -> dict:
    pids = [int(p) for p in
            subprocess.run(["pgrep", "-P", str(main_pid)], capture_output=True, text=True).stdout.split()]
    seconds = {}
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        seconds[pid] = (int(fields[11]) + int(fields[12])) / 100          # utime + stime
    return seconds


def conversation(url: str) -> str:
    sender = f"workers-{uuid.uuid4().hex[:8]}"
    for text, expected in TURNS:                       # a new connection per message: either worker may take it
        reply = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              timeout=60, headers={"Connection": "close"}).json()
        assert reply, text
        if expected:
            assert expected in " ".join(m.get("text", "") for m in reply), (sender, text, reply)
    return sender


def test_both_workers_serve_and_conversations_stay_coherent(bot):
    pids = subprocess.run(["pgrep", "-f", "--", f"--port {bot.url.rsplit(':', 1)[1]} "], capture_output=True,
                          text=True).stdout.split()
    main = min(int(p) for p in pids)                     # the workers are its children, forked later
    before = worker_cpu_seconds(main)
    assert len(before) == WORKERS
    with cf.ThreadPoolExecutor(10) as pool:             # ten conversations at once: the load spreads over both
        senders = list(pool.map(lambda _: conversation(bot.url), range(10)))
    after = worker_cpu_seconds(main)
    assert all(after[pid] - before[pid] >= 0.1 for pid in before), (before, after)     # both did real work
    for sender in senders:
        texts = [e["text"] for e in bot.tracker(sender)["events"] if e.get("event") == "user"]
        assert texts == [t for t, _ in TURNS], sender                                  # in order, each once
