"""Input rules shared by every channel (REST, web chat, WeChat): one place for what a user may send.

- Sizes: a message is at most MAX_MESSAGE_CHARS characters (configurable: MAX_MESSAGE_CHARS), a sender id at
  most MAX_SENDER_CHARS and only [A-Za-z0-9_.:@-] (no path separators, no spaces, nothing a log or a key
  store could misread).
- Text is cleaned, not refused, where the intent is clear: NUL and other control characters, zero-width and
  bidirectional-override characters are removed and the text is NFC-normalised (full-width letters stay:
  they are ordinary Chinese input). What is left empty is refused. Text starting with "/" is a button payload
  only when it names a known intent with a JSON object of strings; anything else is read as words (Rasa
  would otherwise log it as a malformed payload, or act on a forged one).
- Metadata: only what the assistant uses (language en|zh, an IANA-looking time zone); everything else dropped.
- Per-sender budget (server/stores/sender_budget.py): a token bucket per sender (burst SENDER_BURST
  messages, refilled at SENDER_RATE per minute; 0 turns it off), so one sender cannot monopolise the server.
  The workers of one machine share it through SQLite (STATE_DB); the replicas of the scale-out profile
  through Redis (REDIS_URL).
"""
from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from core.language import normalise_code
from server.stores.sender_budget import RedisSenderBudget, SenderBudget, SharedSenderBudget

logger = logging.getLogger(__name__)


def _env_int(name: str, default: int) -> int:
    try:
        return max(0, int(os.environ.get(name, default)))
    except ValueError:
        return default


MAX_MESSAGE_CHARS = _env_int("MAX_MESSAGE_CHARS", 2000) or 2000
MAX_SENDER_CHARS = 128
SENDER_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,%d}$" % MAX_SENDER_CHARS)
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
TIMEZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+/-]{0,63}$")
SENDER_BURST = _env_int("SENDER_BURST", 40)
SENDER_RATE = _env_int("SENDER_RATE", 60)           # messages per minute, per sender

# zero-width (U+200B-U+200F incl. LRM/RLM), bidi embeddings/overrides/isolates, BOM, word joiner, soft hyphen
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """What the assistant reads of a message: NFC, no control or invisible formatting characters, trimmed."""
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", _INVISIBLE.sub("", text)).strip()


@lru_cache(maxsize=1)
def known_intents() -> frozenset:
    import yaml
    domain = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text(encoding="utf-8"))
    return frozenset(i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", []))


_PAYLOAD = re.compile(r"^/([A-Za-z_][A-Za-z0-9_]*)(\{.*\})?$", re.S)


def valid_payload(text: str) -> bool:
    """A button payload Rasa may act on: /known_intent, optionally with a JSON object of string values."""
    match = _PAYLOAD.match(text)
    if not match or match.group(1) not in known_intents():
        return False
    if match.group(2):
        try:
            entities = json.loads(match.group(2))
        except ValueError:
            return False
        return isinstance(entities, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in entities.items())
    return True


def check_text(raw: Any) -> Tuple[Optional[str], Optional[str], int]:
    """(cleaned text, None, 200) when acceptable, else (None, reason, HTTP status)."""
    if not isinstance(raw, str):
        return None, "message must be a string", 400
    if len(raw) > MAX_MESSAGE_CHARS:
        return None, f"message longer than {MAX_MESSAGE_CHARS} characters", 413
    text = clean_text(raw)
    if text.startswith("/") and not valid_payload(text):
        text = text.lstrip("/").strip()          # not a payload we offer: read it as words, never as an intent
    if not text:
        return None, "message is empty", 400
    return text, None, 200


def check_sender(raw: Any) -> Optional[str]:
    """None when the sender id is acceptable, else the reason."""
    if not isinstance(raw, str):
        return "sender must be a string"
    if not SENDER_ID.match(raw):
        return f"sender must be 1-{MAX_SENDER_CHARS} characters of A-Z a-z 0-9 _ . : @ -"
    return None


def clean_metadata(raw: Any) -> Dict[str, str]:
    """Only the metadata the assistant uses, validated: language (en|zh) and an IANA-looking time zone."""
    if not isinstance(raw, dict):
        return {}
    out = {}
    language = (normalise_code(raw.get("language"))
                if isinstance(raw.get("language"), str) and len(raw["language"]) <= 16 else None)
    if language:
        out["language"] = language
    tz = raw.get("timezone")
    if isinstance(tz, str) and TIMEZONE.match(tz):
        out["timezone"] = tz
    return out


def state_db() -> str:
    """The SQLite file the workers of this machine share channel state through (STATE_DB)."""
    return os.environ.get("STATE_DB", "rasa_state.db")


def _count(name: str) -> int:
    try:
        return int(os.environ.get(name, "1") or 1)
    except ValueError:
        return 1


def several_workers() -> bool:
    """This Rasa server runs several Sanic workers behind one port: a request may reach any of them."""
    return _count("SANIC_WORKERS") > 1


def shares_state() -> bool:
    """Other Rasa processes of this machine serve the same users: this server's workers, or the other
    servers behind `make run`'s front (ASSISTANT_SERVERS, set by scripts/run.py)."""
    return several_workers() or _count("ASSISTANT_SERVERS") > 1


def sender_budget() -> SenderBudget:
    """Per-sender budget: shared by every replica through Redis when REDIS_URL is set (the scale-out profile),
    by the Rasa processes of this machine when there are several, else in memory."""
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return RedisSenderBudget(redis_url, burst=SENDER_BURST, per_minute=SENDER_RATE)
    if shares_state():
        return SharedSenderBudget(state_db(), burst=SENDER_BURST, per_minute=SENDER_RATE)
    return SenderBudget(burst=SENDER_BURST, per_minute=SENDER_RATE)
