"""Privacy defaults of the review: what users typed is masked before it leaves the process, and sender ids are
replaced by keyed hashes.

Masked, in this order (each replaced by a placeholder):
    [email]   e-mail addresses (ASCII local part and domain, `@` or `＠`)
    [phone]   phone numbers: whatever `phonenumbers` finds valid in national format for China, the US,
              the UK and Germany, or in international `+` format for any region; then, for every other
              format, any run of digits and separators (space, -, ., /, parentheses, full-width forms) holding
              7-11 digits, or more when written with separators or a leading `+` (a date such as 2026-12-06
              is left alone)
    [number]  any other run of 6 or more digits (order, ticket, account, ID and card numbers, verification
              codes); a plain run of 12 or more digits is a number, not a phone
Masking over-reaches on purpose (a product version such as "365 2016" can read as a phone number): the
review shows what people asked, never who they are.

Sender ids are hashed with HMAC-SHA256 under a key: `REVIEW_SALT` from the environment when set (the same
sender then has the same hash in every review, and someone who knows the salt and a sender id can find that
sender's rows), otherwise 32 random bytes drawn for this review and never written anywhere (hashes cannot be
linked between reviews, nor reversed by trying likely ids).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from typing import List, Optional, Tuple

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

EMAIL, PHONE, NUMBER = "[email]", "[phone]", "[number]"
PLACEHOLDERS = (EMAIL, PHONE, NUMBER)
# national formats read by phonenumbers (each region costs a scan of the text; the digit-run rule covers the rest)
REGIONS = ("CN", "US", "GB", "DE")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+[@＠][A-Za-z0-9-]+(?:[.．][A-Za-z0-9-]+)+")
_SEPARATORS = " \u00a0\u3000.\\-－()（）/"
# a date first, so that its digits are not read as the start of a phone number
_PHONE_LIKE = re.compile(rf"(?P<date>(?<!\d)\d{{4}}([-/.])\d{{1,2}}\2\d{{1,2}}(?!\d))"
                         rf"|(?<!\d)[+＋]?[(（]?\d[\d{_SEPARATORS}]*\d(?!\d)")
_DIGIT = re.compile(r"\d")
_DIGITS_RUN = re.compile(r"\d{6,}")


def mask(text: str) -> str:
    """`text` with e-mail addresses, phone numbers and long digit runs replaced by placeholders."""
    if not text:
        return ""
    text = _EMAIL.sub(EMAIL, text)
    if len(_DIGIT.findall(text)) < 6:
        return text
    spans: List[Tuple[int, int]] = []
    for region in REGIONS:
        try:
            spans.extend((m.start, m.end) for m in PhoneNumberMatcher(text, region, leniency=Leniency.VALID))
        except phonenumbers.NumberParseException:         # only on malformed input; the regexes still apply
            continue
    text = _replace(text, spans, PHONE)
    text = _PHONE_LIKE.sub(_phone_like, text)
    return _DIGITS_RUN.sub(NUMBER, text)


def _replace(text: str, spans: List[Tuple[int, int]], placeholder: str) -> str:
    merged: List[List[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + placeholder + text[end:]
    return text


def _phone_like(match: "re.Match[str]") -> str:
    run = match.group(0)
    if match.group("date"):
        return run
    digits = len(_DIGIT.findall(run))
    written = run.lstrip("+＋(（").rstrip()
    plain = written.isdigit()
    if digits >= 7 and (not plain or digits <= 11):
        return PHONE
    return run                        # short, or a long plain run: left to the digit-run rule


class SenderHasher:
    """sender id -> 16 hex digits of HMAC-SHA256(key, sender id)."""

    def __init__(self, salt: Optional[str] = None) -> None:
        self.from_environment = bool(salt)
        self._key = salt.encode("utf-8") if salt else secrets.token_bytes(32)

    @classmethod
    def from_env(cls) -> "SenderHasher":
        return cls(os.environ.get("REVIEW_SALT") or None)

    def __call__(self, sender_id: str) -> str:
        return hmac.new(self._key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def describe(self) -> str:
        key = "from REVIEW_SALT" if self.from_environment else "drawn for this review, not kept"
        return f"HMAC-SHA256, key {key}"
