"""Benchmark of the conversation review: a SQLite tracker store of 10,000 synthetic conversations, reviewed
in full. Target (issue 17): <= 30 s on the machine that runs the assistant.

    python scripts/bench_review.py [--conversations 10000] [--seed 17] [--keep DIR]

The conversations are built by tests/review/builder.py with the event JSON of a real store (user events
with parse_data and a 10-intent ranking, answers of real size with their variables, slot, action,
active_loop and session events in the server's order): over the last 7 days, in English and Chinese, on the
REST, web chat and WeChat channels, answered, clarified, fallen back, given up, abandoned and handed off,
some messages with phone numbers and e-mail addresses. Prints the size of the store and two times: the
review in this process (read, figures, the three files) and `scripts/review.py` end to end (start-up and
imports included), the figure the target is about.
"""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))          # run as a script from anywhere
from review import output
from review.build import build
from review.endpoints import store_config
from review.figures import Window
from review.store import Store
from tests.review.builder import Conversation, endpoints_for_sqlite, write_sqlite

ROOT = Path(__file__).resolve().parents[1]
TARGET = 30.0
QUESTIONS = {
    "en": [("UK number for Office 365", "ask_phone", "phone", [("country", "uk"), ("product", "m365")]),
           ("When does F&O technical support close?", "ask_hours", "hours", [("product", "d365_fo")]),
           ("ProDirect response time for Sev B", "ask_response_time", "response", [("plan", "prodirect")]),
           ("Where do I file a ticket for Dynamics 365 Sales?", "ask_portal", "portal", [("product", "d365_ce")]),
           ("What is Sev B for 21Vianet Office 365?", "ask_severity_definition", "severity",
            [("product", "m365"), ("cloud", "china_21v")])],
    "zh": [("世纪互联的 Office 365 热线", "ask_phone", "phone", [("product", "m365"), ("cloud", "china_21v")]),
           ("帐单支持现在能打通吗", "ask_hours", "hours", []),
           ("世纪互联 O365 A 级多久响应", "ask_response_time", "response", [("cloud", "china_21v")]),
           ("财务和运营在哪里提交服务请求", "ask_portal", "portal", [("product", "d365_fo")]),
           ("Dynamics 365 严重级别 C 是什么意思", "ask_severity_definition", "severity", [("product", "d365")])],
}
VAGUE = {"en": ["what number should I call?", "support phone number pls", "how do I reach support?"],
         "zh": ["支持电话是多少", "我要打电话", "怎么联系客服"]}
UNCLEAR = {"en": ["Can you book me a flight to {city}?", "reset my mailbox password, user {n}",
                  "my phone is {phone}, call me back", "write to me at {email}", "what's the weather in {city}",
                  "teach me Excel pivot tables for {city} sales"],
           "zh": ["帮我订一张去{city}的机票", "帮我查一下我的账单 {phone}", "我的邮箱是 {email}，发资料给我",
                  "{city}今天天气怎么样", "教我在 Teams 里开会议录制，工号 {n}"]}
CITIES = ["Paris", "Berlin", "Tokyo", "上海", "北京", "Sydney", "Toronto", "深圳"]


def fill(rng: random.Random, template: str) -> str:
    return template.format(city=rng.choice(CITIES), n=rng.randint(100000, 999999),
                           phone=f"+86 13{rng.randint(0, 9)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                           email=f"user{rng.randint(1, 999)}@example.com")


def synthetic(n: int, seed: int, start: float, end: float) -> list:
    """`n` conversations starting between `start` and `end` (epoch seconds)."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        lang = rng.choice(("en", "zh"))
        channel = rng.choices(("rest", "webchat", "wechat"), (6, 3, 1))[0]
        c = Conversation(f"{channel}-{k:05d}-{rng.getrandbits(32):08x}", rng.uniform(start, end),
                         channel=channel, language=lang, gap=rng.uniform(5, 60))
        scenario = rng.choices(("answered", "clarified", "fallback", "given_up", "abandoned", "handoff", "chat"),
                               (55, 15, 8, 4, 6, 4, 8))[0]
        if scenario == "chat":
            c.utter("hi" if lang == "en" else "你好", "greet", "utter_greet")
        if scenario in ("clarified", "given_up", "abandoned"):
            c.ask(rng.choice(VAGUE[lang]), "ask_phone", "product")
            if scenario == "clarified":
                c.reply("Microsoft 365" if lang == "en" else "世纪互联的 Office 365", "product", "m365")
            elif scenario == "given_up":
                c.unrecognised("the one we pay for" if lang == "en" else "就是那个", "product")
                c.gives_up("no idea" if lang == "en" else "不知道")
        if scenario == "fallback":
            for _ in range(rng.randint(1, 2)):
                c.fallback(fill(rng, rng.choice(UNCLEAR[lang])))
        if scenario == "handoff":
            c.utter("Nobody can send mail", "describe_problem", "utter_triage_result")
            c.handoff("yes", "Microsoft 365 / Office 365 for business", "operated by 21Vianet in China",
                      "Severity A", fill(rng, "everyone in {city} is blocked, call {phone}"))
        if scenario != "abandoned":
            for _ in range(rng.randint(1 if scenario in ("answered", "chat") else 0, 4)):
                text, intent, topic, entities = rng.choice(QUESTIONS[lang])
                c.answered(text, intent, topic, entities)
            if rng.random() < 0.2:
                c.utter("thanks" if lang == "en" else "谢谢", "thank", "utter_thanks")
        out.append(c)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--keep", type=Path, help="build the store and the review here and keep them")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-review-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        window = Window.last_days(7, ZoneInfo("UTC"))
        t0 = time.perf_counter()
        conversations = synthetic(args.conversations, args.seed, window.start, max(window.start, time.time() - 3600))
        db = write_sqlite(work / "tracker.db", conversations)
        events = sum(len(c.rows) for c in conversations)
        built = time.perf_counter() - t0
        endpoints = endpoints_for_sqlite(work, db)
        print(f"store: {args.conversations} conversations, {events} events, "
              f"{db.stat().st_size / 1e6:.0f} MB (built in {built:.1f} s)", flush=True)

        t0 = time.perf_counter()
        with Store(store_config(endpoints)) as store:
            review = build(store, window)
        output.write(review, work / "in-process")
        in_process = time.perf_counter() - t0

        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, str(ROOT / "scripts" / "review.py"), "--endpoints", str(endpoints),
                              "--out", str(work / "cli")], cwd=ROOT, capture_output=True, text=True)
        end_to_end = time.perf_counter() - t0
        if cli.returncode != 0:
            print(cli.stderr, file=sys.stderr)
            return 1
        t = review["totals"]
        print(f"reviewed: {t['conversations']} conversations, {t['turns']} turns, "
              f"{t['unanswered_messages']} unanswered messages in {len(review['unanswered']['groups'])} groups")
        print(f"review in this process: {in_process:.1f} s ({in_process / args.conversations * 1000:.2f} ms per "
              "conversation)")
        print(f"scripts/review.py end to end: {end_to_end:.1f} s (target <= {TARGET:.0f} s: "
              f"{'met' if end_to_end <= TARGET else 'NOT met'})")
        return 0 if end_to_end <= TARGET else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
