"""`make run` starts two Sanic workers on shared SQLite stores: both serve, and a conversation whose messages
land on either worker keeps its context, its order and each message exactly once."""
import subprocess
import uuid
from pathlib import Path

import requests

from .conftest import WORKERS


def worker_cpu_seconds(main_pid: int) -> dict:
    pids = [int(p) for p in subprocess.run(["pgrep", "-P", str(main_pid)], capture_output=True, text=True).stdout.split()]
    seconds = {}
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        seconds[pid] = (int(fields[11]) + int(fields[12])) / 100          # utime + stime
    return seconds


def test_both_workers_serve_one_coherent_conversation(bot):
    pids = subprocess.run(["pgrep", "-f", "--", f"--port {bot.url.rsplit(':', 1)[1]} "], capture_output=True,
                          text=True).stdout.split()
    main = min(int(p) for p in pids)                     # the workers are its children, forked later
    before = worker_cpu_seconds(main)
    assert len(before) == WORKERS
    sender = f"workers-{uuid.uuid4().hex[:8]}"
    turns = [("Microsoft 365 support number in the UK", "0800 032 6417"),
             ("and in Australia?", "1 800 197 503"),
             ("what are the hours?", None),
             ("UK phone number for Office 365", "0800 032 6417")] * 4
    for text, expected in turns:                       # a new connection per message: either worker may take it
        reply = requests.post(f"{bot.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              timeout=30, headers={"Connection": "close"}).json()
        assert reply, text
        if expected:
            assert expected in " ".join(m.get("text", "") for m in reply), (text, reply)
    after = worker_cpu_seconds(main)
    assert all(after[pid] - before[pid] >= 0.05 for pid in before), (before, after)    # both did real work
    texts = [e["text"] for e in bot.tracker(sender)["events"] if e.get("event") == "user"]
    assert texts == [t for t, _ in turns]                                              # in order, each once
