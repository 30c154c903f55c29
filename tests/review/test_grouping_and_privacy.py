"""Grouping of near-identical messages (review/grouping.py), masking and sender hashes (review/privacy.py)."""
from __future__ import annotations

import hashlib
import hmac

import pytest

from review.grouping import group, similarity, tokens
from review.privacy import SenderHasher, mask


def rows(texts):
    return sorted((g.count, sorted(g.texts.elements())) for g in group((x, i) for i, x in enumerate(texts)))


@pytest.mark.parametrize("a,b", [
    ("What is the Azure support number?", "what is the azure support number"),       # case, punctuation
    ("ＵＫ　ｎｕｍｂｅｒ for Office 365", "UK number for Office 365"),                  # full width
    ("UK number for Office 365", "UK number for Office 366"),                            # digits
    ("how do I open a tiket", "How do I open a ticket?"),                                # a typo
    ("世纪互联的电话是多少", "世纪互联电话是多少？"),                                        # a particle
    ("call [phone] now", "call [phone] now!"),                                           # masked values
])
def test_near_identical_messages_form_one_row(a, b):
    assert rows([a, b]) == [(2, sorted([a, b]))]


@pytest.mark.parametrize("a,b", [
    ("what is the azure support number", "what is the xbox support number"),
    ("what does sev a mean", "what does sev b mean"),
    ("Azure 中国区的技术支持电话", "Xbox 中国区的技术支持电话"),
    ("UK number for Office 365", "UK hours for Office 365"),
    ("hours", "house"),
])
def test_different_questions_stay_apart(a, b):
    assert [count for count, _ in rows([a, b])] == [1, 1]


def test_rows_are_counted_and_ordered_by_count():
    texts = ["flight to paris?"] * 3 + ["Flight to Paris"] + ["帮我写首诗"] * 2 + ["weather today"]
    result = group((x, i) for i, x in enumerate(texts))
    assert [(g.count, g.text) for g in result] == [(4, "flight to paris?"), (2, "帮我写首诗"), (1, "weather today")]
    assert sorted(result[0].items) == [0, 1, 2, 3]


def test_tokens_and_similarity():
    assert tokens("ＵＫ Number, 365!") == ["uk", "number", "000"]
    assert tokens("世纪互联 O365") == ["世", "纪", "互", "联", "o000"]
    assert similarity(frozenset({"a", "bb"}), frozenset({"a", "bb"})) == 1.0
    assert similarity(frozenset({"sev", "a"}), frozenset({"sev", "b"})) == pytest.approx(3 / 7)


# ------------------------------------------------------------------------------------------------ masking
@pytest.mark.parametrize("text,expected", [
    ("call +86 400-089-0365 please", "call [phone] please"),
    ("UK line 0800 032 6417?", "UK line [phone]?"),
    ("US: 1 800 865 9408", "US: [phone]"),
    ("我的手机13800138000，谢谢", "我的手机[phone]，谢谢"),
    ("mobile +86 138 0013 8000", "mobile [phone]"),
    ("tel (555) 123-4567", "tel [phone]"),
    ("Berlin +49 69 380 789 305", "Berlin [phone]"),
    ("北京 010-12345678", "北京 [phone]"),
    ("全角 １３８００１３８０００", "全角 [phone]"),
    ("mail zhang.san@example.com.cn now", "mail [email] now"),
    ("我的邮箱是zhang.san＠example．com谢谢", "我的邮箱是[email]谢谢"),
    ("ticket 2612060123456789 failed", "ticket [number] failed"),
    ("code 482913", "code [number]"),
    ("card 6222 0212 3456 7890 123", "card [phone]"),
])
def test_masking(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", ["Office 365 Sev A, 2 users since 2026-12-06 09:30", "D365 sev B in 24/7?",
                                  "世纪互联 O365 A 级多久响应", ""])
def test_masking_leaves_ordinary_text_alone(text):
    assert mask(text) == text


def test_sender_hash_is_keyed():
    salted = SenderHasher("pepper")
    assert salted("wechat-o123") == hmac.new(b"pepper", b"wechat-o123", hashlib.sha256).hexdigest()[:16]
    assert salted("a") != salted("b") and len(salted("a")) == 16
    assert SenderHasher("other")("wechat-o123") != salted("wechat-o123")
    assert SenderHasher()("wechat-o123") != SenderHasher()("wechat-o123")           # a key per review


def test_sender_hash_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("REVIEW_SALT", "pepper")
    assert SenderHasher.from_env()("x") == SenderHasher("pepper")("x")
    monkeypatch.delenv("REVIEW_SALT")
    assert "not kept" in SenderHasher.from_env().describe()
