"""Benchmark: this assistant and a stock `rasa init` assistant, side by side, under the same load.

    make bench                     # or: python scripts/bench.py [--users 20] [--turns 30] [--quick]

For each bot it measures, over the REST channel on loopback:
  - full training time (from scratch, in a temporary directory),
  - time from start to ready (both servers up and a first message answered),
  - serial latency (p50 / p99 over two 30-turn conversations),
  - 20 concurrent conversations x 30 turns: messages/s, p50, p99, max,
  - for this assistant, the same load with every message a new one (turns of the blind evaluation sets):
    the scripted conversations repeat their texts, and per-text caches hide what a new message costs,
  - peak memory (VmHWM) of each process,
and prints the ratios, NLU F1 per language for this assistant, writes results/bench.json and a latency
plot results/bench_latency.png. Progress is printed as it goes; the stock bot is trained from scratch
with `rasa init` each run, so the comparison holds on a noisy machine.
"""
from __future__ import annotations

import argparse
import importlib.util
import concurrent.futures as cf
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import psutil
import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # run as a script from anywhere
from scripts.cluster import log
from scripts.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
RASA = str(Path(sys.executable).with_name("rasa"))
RESULTS = ROOT / "results"

# Realistic bilingual conversations for this assistant (not the test sentences).
OURS = [
    ["hi", "which number do I call for Office 365 in Canada?", "and the billing hours?", "thanks"],
    ["世纪互联的 Office 365 技术支持电话", "B 级多久响应", "严重级别 C 是什么意思", "谢谢"],
    ["where do I open a ticket for Dynamics 365 Finance and Operations?", "operated by 21Vianet",
     "is technical support open now?"],
    ["nobody in our company can receive email on 21Vianet Office 365", "yes", "prepare the summary"],
    ["ProDirect response time for Sev B on Dynamics 365", "and for Premier?", "who can open a request?"],
    ["美国 Microsoft 365 帐单支持几点上班", "那英国呢", "好的，再见"],
    ["what's the support number?", "Microsoft 365", "Australia", "and technical hours?"],
    ["Dynamics 365 客户互动应用在中国的售前电话", "售前几点上班", "有中文支持吗"],
]
# The stock `rasa init` bot's own domain (mood bot).
STOCK = [["hello", "I am feeling sad", "yes", "thanks, bye"], ["hi there", "I am great", "goodbye"],
         ["good morning", "not good", "no", "bye"], ["hey", "are you a bot?", "I'm happy", "see you"]]


WORKERS = int(os.environ.get("WORKERS", "2"))       # as `make run` (Makefile WORKERS); stock Rasa runs one


def env() -> Dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
                SQLALCHEMY_SILENCE_UBER_WARNING="1")


def peak_mb(pid: int, children: bool = True) -> List[float]:
    """Peak resident memory (VmHWM, MB) of a process and of each of its children (Sanic workers)."""
    peaks = []
    pids = [pid] + ([int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                     text=True).stdout.split()] if children else [])
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(round(int(line.split()[1]) / 1024, 1))
        except OSError:
            pass
    return peaks or [0.0]


class Bot:
    def __init__(self, name: str, project: Path, model: Path, endpoints: Path, credentials: Path, conversations,
                 workers: int = 1):
        self.name, self.project, self.model, self.workers = name, project, model, workers
        self.endpoints, self.credentials, self.conversations = endpoints, credentials, conversations
        self.procs: List[subprocess.Popen] = []

    def start(self) -> float:
        aport, rport = free_port(), free_port()
        endpoints = yaml.safe_load(self.endpoints.read_text()) or {} if self.endpoints.exists() else {}
        endpoints["action_endpoint"] = dict(endpoints.get("action_endpoint") or {}, url=f"http://127.0.0.1:{aport}/webhook")
        if (endpoints.get("tracker_store") or {}).get("dialect") == "sqlite":
            endpoints["tracker_store"]["db"] = str(Path(tempfile.mkdtemp()) / "tracker.db")
        if (endpoints.get("lock_store") or {}).get("db"):
            endpoints["lock_store"]["db"] = str(Path(tempfile.mkdtemp()) / "locks.db")
        ep = Path(tempfile.mkdtemp()) / "endpoints.yml"
        ep.write_text(yaml.safe_dump(endpoints))
        logs = RESULTS / f"bench_{self.name}"
        t = time.perf_counter()
        if self.project == ROOT:            # this assistant: `make run`'s own launcher, front included
            self.procs.append(subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "run.py"), "--model", str(self.model), "--port", str(rport),
                 "--actions-port", str(aport), "--workers", str(self.workers), "--endpoints", str(ep),
                 "--credentials", str(self.credentials), "--action-log", f"{logs}_actions.log"],
                cwd=self.project, env=env(), stdout=open(f"{logs}_server.log", "wb"), stderr=subprocess.STDOUT,
                start_new_session=True))
        else:                               # the stock bot: stock Rasa's commands
            actions = [RASA, "run", "actions", "--port", str(aport)]
            server = [RASA, "run", "--enable-api", "--port", str(rport), "--interface", "127.0.0.1",
                      "--model", str(self.model), "--endpoints", str(ep), "--credentials", str(self.credentials)]
            self.procs.append(subprocess.Popen(actions, cwd=self.project, env=env(),
                                               stdout=open(f"{logs}_actions.log", "wb"), stderr=subprocess.STDOUT,
                                               start_new_session=True))
            self.procs.append(subprocess.Popen(server,
                                               cwd=self.project, env=dict(env(), SANIC_WORKERS=str(self.workers)),
                                               stdout=open(f"{logs}_server.log", "wb"),
                                               stderr=subprocess.STDOUT, start_new_session=True))
        self.url = f"http://127.0.0.1:{rport}"
        while time.perf_counter() - t < 600:
            try:
                loaded = Path(f"{logs}_server.log").read_text(errors="replace").count("Rasa server is up and running")
                if loaded >= self.workers and requests.get(f"{self.url}/", timeout=2).ok \
                        and requests.get(f"http://127.0.0.1:{aport}/health", timeout=2).ok \
                        and self.say(f"ready-{uuid.uuid4().hex[:6]}", self.conversations[0][0]):
                    return time.perf_counter() - t
            except requests.RequestException:
                pass
            if any(p.poll() is not None for p in self.procs):
                raise RuntimeError(f"{self.name}: a server exited; see {logs}_*.log")
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: not ready after 600 s")

    def say(self, sender: str, text: str) -> list:
        r = requests.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
        r.raise_for_status()
        return r.json()

    def conversation(self, k: int, turns: int, script: Optional[List[str]] = None) -> List[float]:
        sender, out = f"bench-{self.name}-{k}-{uuid.uuid4().hex[:6]}", []
        script = script or self.conversations[k % len(self.conversations)]
        with requests.Session() as s:
            for j in range(turns):
                text = script[j % len(script)]
                t = time.perf_counter()
                r = s.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
                r.raise_for_status()
                out.append((time.perf_counter() - t) * 1000)
        return out

    def servers(self) -> List[Tuple[str, psutil.Process]]:
        """(kind, process) of each server below `make run`'s launcher: front, actions, rasa."""
        found = []
        for child in psutil.Process(self.procs[0].pid).children(recursive=True):
            cmdline = " ".join(child.cmdline())
            kind = "front" if "front.py" in cmdline else "actions" if " run actions" in cmdline \
                else "rasa" if " -m server run" in cmdline else None
            if kind:
                found.append((kind, child))
        return found

    def memory(self) -> Dict[str, Any]:
        """The largest process of each server (the target is per process) and every process's peak."""
        if len(self.procs) == 1:            # make run's launcher: its servers are below it
            kinds: Dict[str, List[float]] = {"actions": [], "rasa": [], "front": []}
            for kind, child in self.servers():
                kinds[kind] += peak_mb(child.pid, children=False)
            actions, rasa, front = kinds["actions"] or [0.0], kinds["rasa"] or [0.0], kinds["front"]
        else:
            actions, rasa, front = peak_mb(self.procs[0].pid), peak_mb(self.procs[1].pid), []
        figures = {"action_server_mb": max(actions), "rasa_server_mb": max(rasa), "rasa_processes_mb": rasa}
        if front:
            figures["front_mb"] = max(front)
        return figures

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def pct(xs: List[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * q))], 1)


def load(bot: Bot, users: int, turns: int) -> Tuple[Dict, List[float], List[float]]:
    log(f"{bot.name}: serial latency, 2 conversations x {turns} turns")
    serial = bot.conversation(0, turns) + bot.conversation(1, turns)
    log(f"{bot.name}: {users} concurrent conversations x {turns} turns")
    t = time.perf_counter()
    with cf.ThreadPoolExecutor(users) as ex:
        lat = [x for part in ex.map(lambda k: bot.conversation(k, turns), range(users)) for x in part]
    wall = time.perf_counter() - t
    figures = {"serial_p50_ms": pct(serial, .5), "serial_p99_ms": pct(serial, .99), "users": users,
               "messages": len(lat), "msg_per_s": round(len(lat) / wall, 1), "p50_ms": pct(lat, .5),
               "p99_ms": pct(lat, .99), "max_ms": round(max(lat), 1)}
    if bot.name == "ours":
        # every message new, as real users write them: the repeated scripts above hit per-text caches
        fresh = unique_messages(users * turns)
        log(f"{bot.name}: {users} concurrent conversations x {turns} turns, every message a new one")
        t = time.perf_counter()
        with cf.ThreadPoolExecutor(users) as ex:
            unique = [x for part in ex.map(lambda k: bot.conversation(k, turns, fresh[k * turns:(k + 1) * turns]),
                                           range(users)) for x in part]
        wall = time.perf_counter() - t
        figures.update(unique_msg_per_s=round(len(unique) / wall, 1), unique_p99_ms=pct(unique, .99))
    log(f"{bot.name}: {figures}")
    return figures, serial, lat


def single_fact_cases() -> Tuple[str, List[dict]]:
    """The newest blind set's questions that ask one fact (one turn, one expected item), and the set's name."""
    newest = max((ROOT / "tests" / "eval").glob("blind_*.yml"))
    cases = [c for c in yaml.safe_load(newest.read_text(encoding="utf-8"))
             if len(c["turns"]) == 1 and len(c.get("expect") or []) == 1]
    return newest.stem, cases


def fact_matcher():
    """evaluate.py's own matching of an expected item (../shared/eval), or None where it is not beside us."""
    path = ROOT.parent / "shared" / "eval" / "evaluate.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("shared_evaluate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.matches


def reply_lengths(bot: Bot) -> Dict[str, Any]:
    """How long the answer to a one-fact question is (all its messages' text, in characters), and how often
    the asked fact stands in its first line: the goal is the fact first and the 90th percentile <= 400."""
    name, cases = single_fact_cases()
    matches = fact_matcher()
    log(f"{bot.name}: reply length on the {len(cases)} one-fact questions of {name}")
    lengths, leading = [], 0
    for i, case in enumerate(cases):
        messages = bot.say(f"length-{i}", case["turns"][0])
        text = "\n".join(m.get("text") or "" for m in messages).strip()
        lengths.append(len(text))
        first = next((line for line in text.splitlines() if line.strip()), "")
        expected = case["expect"][0]
        alternatives = expected if isinstance(expected, list) else [expected]
        if matches is not None and any(matches(str(a), first) for a in alternatives):
            leading += 1
    figures = {"reply_set": name, "reply_cases": len(cases), "reply_chars_p50": pct(lengths, .5),
               "reply_chars_p90": pct(lengths, .9), "reply_chars_max": max(lengths)}
    if matches is not None:
        figures["fact_in_first_line_pct"] = round(100 * leading / len(cases), 1)
    log(f"{bot.name}: {figures}")
    return figures


def unique_messages(n: int) -> List[str]:
    """`n` distinct user turns of the blind evaluation sets (questions written from the documents, never
    trained on), in a fixed shuffled order."""
    turns = {t for f in sorted((ROOT / "tests" / "eval").glob("blind_*.yml"))
             for case in yaml.safe_load(f.read_text(encoding="utf-8")) for t in case["turns"]}
    ordered = sorted(turns)
    random.Random(13).shuffle(ordered)
    if len(ordered) < n:
        raise RuntimeError(f"only {len(ordered)} distinct blind-set turns for {n} messages")
    return ordered[:n]


def train(project: Path, out: Path, name: str) -> Tuple[Path, float]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with open(RESULTS / f"bench_{name}_train.log", "wb") as logfile:
        subprocess.run([RASA, "train", "--force", "--out", str(out), "--fixed-model-name", name], cwd=project,
                       env=env(), check=True, stdout=logfile, stderr=subprocess.STDOUT)
    return out / f"{name}.tar.gz", round(time.perf_counter() - t, 1)


def plot(series: Dict[str, List[float]], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, xs in series.items():
        xs = sorted(xs)
        ax.plot(xs, [i / len(xs) for i in range(1, len(xs) + 1)], label=f"{name} (p99 {pct(xs, .99):.0f} ms)")
    ax.set_xscale("log")
    ax.set_xlabel("latency per message at 20 concurrent conversations (ms, log scale)")
    ax.set_ylabel("share of messages answered")
    ax.grid(True, which="both", alpha=.3)
    ax.legend()
    ax.set_title("REST channel latency, same machine, same run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--turns", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="5 users x 5 turns, for a smoke run")
    ap.add_argument("--skip-stock", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.users, args.turns = 5, 5
    RESULTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    results: Dict[str, Dict] = {}
    latencies: Dict[str, List[float]] = {}
    try:
        log("this assistant: full training from scratch")
        model, train_s = train(ROOT, work / "ours", "bench-ours")
        results["ours"] = {"train_s": train_s}
        log(f"this assistant: trained in {train_s} s")
        if not args.skip_stock:
            log("stock: rasa init (a new project; it trains its model from scratch)")
            stock_dir = work / "stock"
            stock_dir.mkdir()                                          # rasa init wants an existing directory
            t = time.perf_counter()
            subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(stock_dir)], env=env(), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stock_train = round(time.perf_counter() - t, 1)          # project files are copied in well under 1 s
            stock_model = next((stock_dir / "models").glob("*.tar.gz"))
            results["stock"] = {"train_s": stock_train}
            log(f"stock: trained in {stock_train} s")
        bots = [Bot("ours", ROOT, model, ROOT / "endpoints.yml", ROOT / "credentials.yml", OURS, workers=WORKERS)]
        if not args.skip_stock:
            (stock_dir / "credentials.yml").write_text("rest:\n")
            bots.append(Bot("stock", stock_dir, stock_model, stock_dir / "endpoints.yml",
                            stock_dir / "credentials.yml", STOCK))
        for bot in bots:
            log(f"{bot.name}: starting the action server and the Rasa server")
            try:
                ready = bot.start()
                log(f"{bot.name}: ready in {ready:.1f} s ({bot.workers} Rasa worker{'s' if bot.workers > 1 else ''})")
                figures, serial, lat = load(bot, args.users, args.turns)
                if bot.name == "ours":
                    figures.update(reply_lengths(bot))
                latencies[bot.name] = lat
                results[bot.name].update(ready_s=round(ready, 1), **figures, **bot.memory())
            finally:
                bot.stop()
        log("this assistant: NLU quality on held-out data")
        evaluated = subprocess.run([sys.executable, "scripts/nlu_eval.py", "--model", str(model),
                                    "--json", str(work / "nlu.json"), "--min-intent-f1", "0"],
                                   cwd=ROOT, env=env(), capture_output=True, text=True)
        if evaluated.returncode != 0:
            log(f"NLU evaluation failed: {evaluated.stderr[-500:]}")
        nlu = json.loads((work / "nlu.json").read_text()) if (work / "nlu.json").exists() else {}
        results["ours"]["nlu"] = {lang: {k: v[k] for k in ("intent_f1", "entity_f1")} for lang, v in nlu.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ours, stock = results["ours"], results.get("stock")
    targets = {"msg_per_s": (">=", 100), "p99_ms": ("<=", 500), "serial_p50_ms": ("<=", 30), "ready_s": ("<=", 20),
               "train_s": ("<=", 90), "reply_chars_p90": ("<=", 400), "fact_in_first_line_pct": (">=", 90)}
    print("\n" + "=" * 78)
    print(f"{'':24}{'this assistant':>16}{'stock rasa init':>18}{'ratio':>10}   target")
    for key in ("msg_per_s", "p50_ms", "p99_ms", "max_ms", "unique_msg_per_s", "unique_p99_ms", "serial_p50_ms",
                "serial_p99_ms", "ready_s", "train_s", "rasa_server_mb", "action_server_mb", "reply_chars_p50",
                "reply_chars_p90", "reply_chars_max", "fact_in_first_line_pct"):
        a, b = ours.get(key), (stock or {}).get(key)
        if a is None:
            continue
        ratio = ""
        if a and b:
            ratio = f"{a / b:.1f}x" if key == "msg_per_s" else f"{b / a:.1f}x"
        op, goal = targets.get(key, ("", ""))
        ok = "" if not op else ("met" if (a <= goal if op == "<=" else a >= goal) else "NOT met")
        if key.endswith("_mb"):
            op, goal, ok = "<=", 800, "met" if a <= 800 else "NOT met"
        print(f"{key:24}{a!s:>16}{b!s:>18}{ratio:>10}   {op} {goal} {ok}")
        if key == "rasa_server_mb":
            print(f"{'  each Rasa process':24}{'/'.join(map(str, ours.get('rasa_processes_mb', []))):>16}"
                  f"{'/'.join(map(str, (stock or {}).get('rasa_processes_mb', []))):>18}"
                  "   (main process and its workers)")
    if stock:
        print(f"{'throughput vs stock':24}{ours['msg_per_s'] / stock['msg_per_s']:>16.1f}x   target >= 5x")
    for lang, v in ours.get("nlu", {}).items():
        print(f"NLU {lang}: intent F1 {v['intent_f1']:.3f}, entity F1 {v['entity_f1']:.3f} (held-out)")
    results["machine"] = {"cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    if latencies:
        plot({"this assistant" if k == "ours" else "stock rasa init": v for k, v in latencies.items()},
             RESULTS / "bench_latency.png")
    print(f"results: {RESULTS / 'bench.json'}, plot: {RESULTS / 'bench_latency.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
