"""A store of known conversations, and every figure the review must find in it.

Window 2026-11-30 .. 2026-12-06 (UTC). Ten conversations fall in it, in English and Chinese, on the REST and
web chat channels: answered, clarified then answered, fallback, given up after two unanswered questions,
abandoned clarifications, a hand-off, an apology, a sender's second session; three fall outside it.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import List

from tests.review.builder import Conversation, endpoints_for_sqlite, write_sqlite

SINCE, UNTIL = date(2026, 11, 30), date(2026, 12, 6)
PHONE_CN, PHONE_CN2, PHONE_CN3 = "13800138000", "13900139000", "+86 138 0013 8000"
PHONE_UK, EMAIL = "0800 032 6417", "zhang.san@example.com"
SECRETS = (PHONE_CN, PHONE_CN2, PHONE_CN3, PHONE_UK, EMAIL, "138 0013 8000", "6417")


def at(day: int, hour: int = 10, month: int = 12) -> float:
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.utc).timestamp()


def conversations() -> List[Conversation]:
    c1 = Conversation("c1-rest-en", at(1))
    c1.answered("UK number for Office 365", "ask_phone", "phone", [("country", "uk"), ("product", "m365")])
    c1.answered("and the billing hours? not the 21Vianet one", "ask_hours", "hours",
                negated=[("cloud", "china_21v")])

    c2 = Conversation("c2-rest-zh", at(1, 11), language="zh")
    c2.ask("支持电话是多少", "ask_phone", "product")
    c2.reply("世纪互联的 Office 365", "product", "m365")

    c3 = Conversation("c3-webchat-en", at(2, 9), channel="webchat")
    c3.fallback("Can you book me a flight to Paris?")
    c3.fallback("can you book me a flight to paris")
    c3.utter("thanks", "thank", "utter_thanks")

    c4 = Conversation("c4-webchat-zh", at(3), channel="webchat", language="zh")
    c4.ask("我要打电话", "ask_phone", "product")
    c4.unrecognised("就是那个", "product")
    c4.gives_up("不知道")

    c5 = Conversation("c5-rest-en", at(4))
    c5.ask(f"what number should I call? my mobile is {PHONE_CN3}", "ask_phone", "product")

    c6 = Conversation("c6-rest-zh", at(4, 12), language="zh")
    c6.answered("世纪互联 Office 365 热线", "ask_phone", "phone", [("product", "m365"), ("cloud", "china_21v")])
    c6.ask(f"那 Dynamics 365 的电话呢，邮箱 {EMAIL}", "ask_phone", "cloud", [("product", "d365_ce")])

    c7 = Conversation("c7-rest-en", at(5))
    c7.utter("hi", "greet", "utter_greet")
    c7.utter("Nobody can send mail on 21Vianet Office 365, how severe?", "describe_problem", "utter_triage_result")
    c7.handoff("yes please", "Microsoft 365 / Office 365 for business", "operated by 21Vianet in China",
               "Severity A (suggested from your description)", f"Nobody can send mail, call me on {PHONE_UK}")

    c11 = Conversation("c11-rest-en", at(25, month=11))          # first session before the window
    c11.answered("D365 sev B response time", "ask_response_time", "response", [("product", "d365")])
    c11.session(gap=at(6) - at(25, month=11))
    c11.utter("hello", "greet", "utter_greet")
    c11.answered("D365 sev B response time on Premier", "ask_response_time", "response", [("product", "d365")])
    c11.utter("write me a poem", "out_of_scope", "utter_out_of_scope")

    c12 = Conversation("c12-webchat-zh", at(6, 14), channel="webchat", language="zh")
    c12.fallback(f"帮我查一下我的账单 {PHONE_CN}")
    c12.fallback(f"帮我查一下我的账单，{PHONE_CN2}")
    c12.utter("Azure 中国区的电话", "ask_phone", "utter_unknown_value", [("other_product", "Azure")])

    c13 = Conversation("c13-rest-en", at(2, 15))
    c13.answered("UK number for Office 365", "ask_phone", "phone", [("country", "uk"), ("product", "m365")])
    c13.apology("and for Australia?")

    before = Conversation("c9-before", at(20, month=11))
    before.fallback("a message before the window")
    after = Conversation("c10-after", at(8))
    after.fallback("a message after the window")
    return [c1, c2, c3, c4, c5, c6, c7, c11, c12, c13, before, after]


def build(directory: Path) -> Path:
    """The known store as SQLite in `directory`; returns its endpoints file."""
    db = write_sqlite(directory / "tracker.db", conversations())
    return endpoints_for_sqlite(directory, db)


OUTCOMES = {"answered": 7, "answered_after_clarifying": 1, "given_up": 1, "fallback": 4, "error": 1,
            "abandoned_clarification": 2, "clarifying": 3, "not_in_sources": 1, "out_of_scope": 1,
            "small_talk": 3, "no_reply": 0, "other": 0}
TURNS = 24
CONVERSATIONS = 10
PER_DAY = {"2026-11-30": (0, 0), "2026-12-01": (2, 4), "2026-12-02": (2, 5), "2026-12-03": (1, 3),
           "2026-12-04": (2, 3), "2026-12-05": (1, 3), "2026-12-06": (2, 6)}
PER_LANGUAGE = {"en": (6, 14), "zh": (4, 10)}
PER_CHANNEL = {"rest": (7, 15), "webchat": (3, 9)}
TOPICS = {"phone": (11, 5), "hours": (1, 1), "response": (1, 1), "triage": (1, 1), "handoff": (1, 1)}
PRODUCTS = {"m365": 4, "d365_ce": 1, "d365": 1}
CLOUDS = {"china_21v": 1}
COUNTRIES = {"uk": 2}
NOT_COVERED = {"azure": 1}
FIRST_ANSWER = {"median": 2.0, "conversations": 7, "never_answered": 3,
                "distribution": {"1": 3, "2": 3, "3": 1, "4": 0, "5+": 0}}
UNANSWERED_GROUPS = [  # (text, count, fallback, abandoned, languages, channels)
    ("Can you book me a flight to Paris?", 2, 2, 0, {"en": 2}, {"webchat": 2}),
    ("帮我查一下我的账单 [phone]", 2, 2, 0, {"zh": 2}, {"webchat": 2}),
    ("what number should I call? my mobile is [phone]", 1, 0, 1, {"en": 1}, {"rest": 1}),
    ("那 Dynamics 365 的电话呢，邮箱 [email]", 1, 0, 1, {"zh": 1}, {"rest": 1}),
]
