"""Soak: the assistant as `make run` starts it, under 20 conversations at once for 10 minutes (make soak).

A benchmark, not a test: it prints what it measures and writes results/soak.json. Every process of the
assistant (the front, each Rasa server, the action server) is sampled every SAMPLE_S seconds: resident
memory and open file descriptors. Growth is measured from the end of the warm-up to the end. The warm-up
lasts until the bounded caches are full: each Rasa server keeps up to 2000 conversations
(server/stores/tracker_store.py), which this load fills in about two and a half minutes. Goals (#16):
memory growth <= 5 % per process, no growth in open file descriptors. Each conversation is a new sender
going through one of the benchmark's realistic conversations, so the stores keep growing as in service.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # run as a script from anywhere
from scripts.bench import OURS, RESULTS, ROOT, WORKERS, Bot
from scripts.cluster import log

SAMPLE_S = 30.0
MEMORY_GROWTH_GOAL_PCT = 5.0


def processes(bot: Bot) -> Dict[str, psutil.Process]:
    """The assistant's processes by kind and index: front, rasa-0, rasa-1, actions."""
    found: Dict[str, psutil.Process] = {}
    rasa = 0
    for kind, child in bot.servers():
        if kind == "rasa":
            kind, rasa = f"rasa-{rasa}", rasa + 1
        found[kind] = child
    return found


def sample(procs: Dict[str, psutil.Process]) -> Dict[str, Dict[str, float]]:
    out = {}
    for name, p in procs.items():
        try:
            out[name] = {"rss_mb": round(p.memory_info().rss / 2**20, 1), "fds": p.num_fds(),
                         "connections": len(p.net_connections(kind="tcp"))}
        except psutil.Error:
            out[name] = {"rss_mb": 0.0, "fds": 0, "connections": 0}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--warmup", type=float, default=180.0, help="seconds before the baseline sample")
    args = ap.parse_args()
    model = subprocess.run([sys.executable, str(ROOT / "scripts" / "train.py")], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.strip().splitlines()[-1]
    RESULTS.mkdir(exist_ok=True)
    bot = Bot("soak", ROOT, Path(model), ROOT / "endpoints.yml", ROOT / "credentials.yml", OURS, workers=WORKERS)
    log(f"soak: starting the assistant ({WORKERS} Rasa servers), model {Path(model).name}")
    bot.start()
    stop = threading.Event()
    counts = {"turns": 0, "errors": 0, "conversations": 0}
    lock = threading.Lock()

    def user(k: int) -> None:
        n = 0
        with requests.Session() as s:
            while not stop.is_set():
                sender, script = f"soak-{k}-{n}-{uuid.uuid4().hex[:6]}", OURS[(k + n) % len(OURS)]
                for text in script:
                    if stop.is_set():
                        break
                    try:
                        r = s.post(f"{bot.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                   timeout=60)
                        ok = r.status_code == 200
                    except requests.RequestException:
                        ok = False
                    with lock:
                        counts["turns" if ok else "errors"] += 1
                n += 1
                with lock:
                    counts["conversations"] += 1

    samples: List[dict] = []
    try:
        procs = processes(bot)
        threads = [threading.Thread(target=user, args=(k,), daemon=True) for k in range(args.users)]
        t0 = time.time()
        for t in threads:
            t.start()
        end = t0 + args.warmup + args.minutes * 60
        baseline = None
        while time.time() < end:
            time.sleep(min(SAMPLE_S, max(0.0, end - time.time())))
            now = round(time.time() - t0)
            s = sample(procs)
            samples.append({"t": now, **counts, "processes": s})
            if baseline is None and now >= args.warmup:
                baseline = s
            log(f"soak: {now} s, {counts['turns']} turns, {counts['errors']} errors; " +
                ", ".join(f"{n} {v['rss_mb']} MB {v['fds']} fds" for n, v in s.items()))
        stop.set()
        for t in threads:
            t.join(70)
    finally:
        stop.set()
        bot.stop()
    last = samples[-1]["processes"]
    baseline = baseline or samples[0]["processes"]
    growth = {n: {"rss_mb_start": baseline[n]["rss_mb"], "rss_mb_end": last[n]["rss_mb"],
                  "rss_growth_pct": round(100 * (last[n]["rss_mb"] - baseline[n]["rss_mb"]) /
                                          max(baseline[n]["rss_mb"], 1e-9), 1),
                  "fds_start": baseline[n]["fds"], "fds_end": last[n]["fds"]} for n in last}
    result = {"minutes": args.minutes, "users": args.users, "warmup_s": args.warmup, **counts,
              "growth": growth, "samples": samples}
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=2))
    print(f"\nsoak: {args.users} conversations at once for {args.minutes:g} min after {args.warmup:g} s of "
          f"warm-up: {counts['turns']} turns, {counts['errors']} errors, {counts['conversations']} conversations")
    print(f"{'process':10} {'MB start':>9} {'MB end':>8} {'growth':>7} {'fds start':>10} {'fds end':>8}")
    met = counts["errors"] == 0
    for n, g in growth.items():
        print(f"{n:10} {g['rss_mb_start']:9} {g['rss_mb_end']:8} {g['rss_growth_pct']:6}% {g['fds_start']:10} "
              f"{g['fds_end']:8}")
        met &= g["rss_growth_pct"] <= MEMORY_GROWTH_GOAL_PCT and g["fds_end"] <= g["fds_start"]
    print(f"goal (<= {MEMORY_GROWTH_GOAL_PCT} % memory growth, no fd growth, no errors): "
          f"{'met' if met else 'NOT met'}; results/soak.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
