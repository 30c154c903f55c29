"""Every figure of the review of the known store (tests/review/known.py)."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from review.figures import Window
from tests.review import known
from tests.review.conftest import SALT


def test_totals(reviewed):
    t = reviewed["totals"]
    assert (t["conversations"], t["turns"], t["senders"]) == (known.CONVERSATIONS, known.TURNS, known.CONVERSATIONS)
    assert t["handoffs"] == 1 and t["unanswered_messages"] == 6


def test_conversations_and_turns_per_day_cover_every_day_of_the_window(reviewed):
    assert {d["date"]: (d["conversations"], d["turns"]) for d in reviewed["per_day"]} == known.PER_DAY
    assert [d["date"] for d in reviewed["per_day"]] == sorted(known.PER_DAY)


@pytest.mark.parametrize("key,expected", [("language", known.PER_LANGUAGE), ("channel", known.PER_CHANNEL)])
def test_per_language_and_channel(reviewed, key, expected):
    rows = reviewed[f"per_{key}"]
    assert {r[key]: (r["conversations"], r["turns"]) for r in rows} == expected
    assert sum(sum(r["outcomes"].values()) for r in rows) == known.TURNS


def test_outcomes_per_channel_and_language(reviewed):
    webchat = next(r for r in reviewed["per_channel"] if r["channel"] == "webchat")["outcomes"]
    assert (webchat["fallback"], webchat["given_up"], webchat["clarifying"], webchat["not_in_sources"]) == (4, 1, 2, 1)
    zh = next(r for r in reviewed["per_language"] if r["language"] == "zh")["outcomes"]
    assert (zh["answered"], zh["answered_after_clarifying"], zh["abandoned_clarification"]) == (1, 1, 1)


def test_outcome_counts_and_shares(reviewed):
    rows = {o["outcome"]: o for o in reviewed["outcomes"]}
    assert {k: v["turns"] for k, v in rows.items()} == known.OUTCOMES
    for outcome, n in known.OUTCOMES.items():
        assert rows[outcome]["share"] == pytest.approx(n / known.TURNS, abs=1e-4)
    assert reviewed["headline"] == pytest.approx({"answered": 7 / 24, "answered_after_clarifying": 1 / 24,
                                                  "fallback": 4 / 24, "given_up": 1 / 24}, abs=1e-4)


def test_outcomes_per_day(reviewed):
    day = {d["date"]: d["outcomes"] for d in reviewed["per_day"]}
    assert day["2026-12-03"]["given_up"] == 1 and day["2026-12-03"]["clarifying"] == 2
    assert day["2026-12-06"]["fallback"] == 2 and day["2026-12-02"]["fallback"] == 2
    assert day["2026-12-02"]["error"] == 1


def test_topics_asked_and_answered(reviewed):
    assert {t["topic"]: (t["turns"], t["answered"]) for t in reviewed["topics"]} == known.TOPICS
    assert reviewed["topics"][0]["topic"] == "phone"                            # most asked first


@pytest.mark.parametrize("kind,expected", [("products", known.PRODUCTS), ("clouds", known.CLOUDS),
                                           ("countries", known.COUNTRIES), ("not_covered", known.NOT_COVERED)])
def test_asked_about(reviewed, kind, expected):
    """A value ruled out ("not the 21Vianet one") does not count; names come from the fact base."""
    rows = reviewed["asked_about"][kind]
    assert {r["id"]: r["turns"] for r in rows} == expected


def test_asked_about_names(reviewed):
    names = {r["id"]: r["name"] for k in ("products", "countries", "not_covered") for r in reviewed["asked_about"][k]}
    assert names["m365"] == "Microsoft 365 / Office 365 for business"
    assert names["uk"] == "the United Kingdom" and names["azure"] == "Azure"


def test_handoff_summaries(reviewed):
    h = reviewed["handoffs"]
    assert h["count"] == 1
    assert h["by_product"] == [{"product": "m365", "name": "Microsoft 365 / Office 365 for business", "count": 1}]
    assert h["by_severity"] == [{"severity": "A", "count": 1}]
    item = h["items"][0]
    assert (item["day"], item["language"], item["channel"], item["environment"]) == (
        "2026-12-05", "en", "rest", "china_21v")
    assert item["impact"] == "Nobody can send mail, call me on [phone]"


def test_median_turns_to_first_answer(reviewed):
    f = reviewed["turns_to_first_answer"]
    assert (f["median"], f["conversations"], f["never_answered"]) == (
        known.FIRST_ANSWER["median"], known.FIRST_ANSWER["conversations"], known.FIRST_ANSWER["never_answered"])
    assert {d["turns"]: d["conversations"] for d in f["distribution"]} == known.FIRST_ANSWER["distribution"]


def test_unanswered_messages_are_grouped_masked_and_counted(reviewed):
    groups = reviewed["unanswered"]["groups"]
    assert [(g["text"], g["count"], g["kinds"]["fallback"], g["kinds"]["abandoned_clarification"], g["languages"],
             g["channels"]) for g in groups] == known.UNANSWERED_GROUPS
    flight = groups[0]
    assert flight["variants"] == ["can you book me a flight to paris"] and flight["conversations"] == 1
    assert (flight["first_seen"], flight["last_seen"]) == ("2026-12-02", "2026-12-02")
    assert all("window" not in g["text"] for g in groups)                  # the messages outside it


def test_sender_ids_are_keyed_hashes(reviewed):
    expected = hmac.new(SALT.encode(), b"c7-rest-en", hashlib.sha256).hexdigest()[:16]
    assert reviewed["handoffs"]["items"][0]["conversation"] == expected
    examples = {e for g in reviewed["unanswered"]["groups"] for e in g["examples"]}
    assert hmac.new(SALT.encode(), b"c3-webchat-en", hashlib.sha256).hexdigest()[:16] in examples
    assert reviewed["privacy"]["sender_ids"] == "HMAC-SHA256, key from REVIEW_SALT"


@pytest.mark.parametrize("since,until,conversations,turns", [
    ((2026, 12, 1), (2026, 12, 1), 2, 4),                   # one day: c1, c2
    ((2026, 11, 20), (2026, 11, 30), 2, 2),                 # c9, and c11's first session
    ((2026, 12, 8), (2026, 12, 8), 1, 1),                   # c10
    ((2026, 11, 1), (2026, 12, 31), 13, 27),                # everything
])
def test_the_date_window_decides_what_counts(known_endpoints, names, since, until, conversations, turns):
    from datetime import date
    from zoneinfo import ZoneInfo

    from review.build import build
    from review.endpoints import store_config
    from review.privacy import SenderHasher
    from review.store import Store
    with Store(store_config(known_endpoints)) as store:
        r = build(store, Window(date(*since), date(*until), ZoneInfo("UTC")), SenderHasher(SALT), names)
    assert (r["totals"]["conversations"], r["totals"]["turns"]) == (conversations, turns)
    assert len(r["per_day"]) == (date(*until) - date(*since)).days + 1


def test_days_follow_the_time_zone():
    from datetime import date
    from zoneinfo import ZoneInfo
    utc = Window(date(2026, 12, 1), date(2026, 12, 1), ZoneInfo("UTC"))
    shanghai = Window(date(2026, 12, 1), date(2026, 12, 1), ZoneInfo("Asia/Shanghai"))
    late = known.at(1, 18)                                    # 18:00 UTC = 02:00 the next day in Beijing
    assert utc.contains(late) and utc.day(late) == "2026-12-01"
    assert not shanghai.contains(late) and shanghai.day(late) == "2026-12-02"
    assert shanghai.end - shanghai.start == 86400
