"""review.json, review.html and review_candidates.yml: complete, masked, escaped, self-contained."""
from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo

import pytest
import yaml

from review import output
from review.build import build
from review.endpoints import store_config
from review.figures import Window
from review.privacy import SenderHasher
from review.store import Store
from tests.review import known
from tests.review.builder import Conversation, endpoints_for_sqlite, write_sqlite

SENDERS = ["c1-rest-en", "c3-webchat-en", "c7-rest-en", "c12-webchat-zh"]


@pytest.fixture(scope="module")
def texts(written):
    return {kind: path.read_text(encoding="utf-8") for kind, path in written.items()}


def test_three_files_are_written(written):
    assert sorted(p.name for p in written.values()) == ["review.html", "review.json", "review_candidates.yml"]


def test_the_json_holds_every_figure(texts, reviewed):
    data = json.loads(texts["json"])
    assert data == json.loads(json.dumps(reviewed))
    assert set(data) >= {"window", "totals", "per_day", "per_language", "per_channel", "outcomes", "headline",
                         "topics", "asked_about", "handoffs", "turns_to_first_answer", "unanswered", "definitions",
                         "privacy"}
    assert data["window"] == {"since": "2026-11-30", "until": "2026-12-06", "timezone": "UTC", "days": 7}
    assert data["definitions"]["max_clarify"] == 2 and "given_up" in data["definitions"]["outcomes"]


@pytest.mark.parametrize("kind", ["json", "html", "candidates"])
@pytest.mark.parametrize("secret", known.SECRETS + tuple(SENDERS))
def test_no_phone_email_or_sender_id_appears_unmasked(texts, kind, secret):
    assert secret not in texts[kind]


@pytest.mark.parametrize("kind", ["json", "html", "candidates"])
def test_masked_messages_appear_masked(texts, kind):
    content = texts[kind] if kind != "json" else json.dumps(json.loads(texts[kind]), ensure_ascii=False)
    assert "what number should I call? my mobile is [phone]" in content
    assert "邮箱 [email]" in content


def test_candidates_are_for_a_person_to_label(texts):
    data = yaml.safe_load(texts["candidates"])
    assert [(c["text"], c["count"], c["language"]) for c in data["candidates"]] == [
        (g[0], g[1], next(iter(g[4]))) for g in known.UNANSWERED_GROUPS]
    assert all(c["intent"] is None for c in data["candidates"])
    assert data["candidates"][0]["kinds"] == {"fallback": 2} and data["candidates"][0]["variants"]
    assert texts["candidates"].startswith("# Candidate training examples")
    assert "NOT training data" in texts["candidates"]


def test_the_page_is_self_contained(texts):
    html = texts["html"]
    assert "<script" not in html.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html
    assert html.count("<svg") >= 8


def test_the_page_shows_the_key_figures(texts):
    html = texts["html"]
    for needle in ('id="fig-conversations"><dt>Conversations</dt><dd>10</dd>', "<dd>24</dd>",
                   "<dd>29.2 %</dd>", "<dd>4.2 %</dd>", "<dd>16.7 %</dd>",
                   "Median turns to a first answer</dt><dd>2</dd>",
                   "Can you book me a flight to Paris?", "Nobody can send mail, call me on [phone]"):
        assert needle in html


def test_user_text_is_escaped_in_the_page(tmp_path, names):
    c = Conversation("evil", known.at(2))
    c.fallback('<script>alert(1)</script> & <img src=x onerror="alert(2)">')
    c2 = Conversation("evil2", known.at(2), channel="<b>chan</b>")
    c2.answered("UK number", "ask_phone", "phone")
    endpoints = endpoints_for_sqlite(tmp_path, write_sqlite(tmp_path / "t.db", [c, c2]))
    with Store(store_config(endpoints)) as store:
        review = build(store, Window(known.SINCE, known.UNTIL, ZoneInfo("UTC")), SenderHasher("s"), names)
    html = output.write(review, tmp_path / "out")["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "<img" not in html and "<b>chan" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert "&lt;b&gt;chan&lt;/b&gt;" in html


def test_an_empty_window_still_writes_a_page(tmp_path, names, known_endpoints):
    from datetime import date
    with Store(store_config(known_endpoints)) as store:
        review = build(store, Window(date(2025, 1, 1), date(2025, 1, 2), ZoneInfo("UTC")), SenderHasher("s"), names)
    paths = output.write(review, tmp_path)
    assert review["totals"]["turns"] == 0 and review["turns_to_first_answer"]["median"] is None
    assert "No user messages in this window" in paths["html"].read_text(encoding="utf-8")
    assert yaml.safe_load(paths["candidates"].read_text(encoding="utf-8"))["candidates"] == []
