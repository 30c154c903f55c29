"""Hostile and broken input on every channel (REST, socket.io, WeChat) against the running assistant.

Each case must get a clear 4xx or a polite reply (in the user's language where the input has one); after it
the server is up and the next normal question is answered correctly; no response carries a stack trace or a
secret; the server logs gain no traceback, no secret and none of the case's text; a conversation stored
before the cases is intact afterwards. The run writes the table of cases and outcomes to docs/bad_input.md.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import time
import uuid
from dataclasses import dataclass
from typing import Callable, List, Optional

import pytest
import requests
import socketio
import xmltodict
from wechatpy.crypto import WeChatCrypto

from .conftest import ARTIFACTS, ROOT, WECHAT
from .test_wechat import APP_ID, AES_KEY, TOKEN, openid, post_aes, signed, text_xml

MARK = "QZX"                               # every case's text carries it: it must never reach the logs at info
SECRETS = [WECHAT["WECHAT_TOKEN"], WECHAT["WECHAT_ENCODING_AES_KEY"]]
TRACE = re.compile(r"Traceback|File \"/|\.py\", line \d+")
CJK = re.compile(r"[\u4e00-\u9fff]")
ROWS: List[dict] = []


@dataclass
class Outcome:
    status: object                         # HTTP status, or "event:<name>" for socket.io
    body: str                              # what the client saw (reply text or error)


@dataclass
class Case:
    channel: str
    name: str
    send: Callable[["object"], Outcome]
    # "4xx" | "polite en" | "polite zh" | "answer:<fact>" | "error event" | "same reply"
    expect: str


# ---------------------------------------------------------------------------------------------- REST
def rest_raw(bot, body: bytes, content_type: str = "application/json") -> Outcome:
    r = requests.post(f"{bot.url}/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type}, timeout=30)
    try:
        payload = r.json()
        text = payload["error"] if isinstance(payload, dict) else "\n".join(m.get("text", "") for m in payload)
    except ValueError:
        text = r.text
    return Outcome(r.status_code, text)


def rest(obj) -> Callable:
    return lambda bot: rest_raw(bot, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def sender() -> str:
    return f"bad-{uuid.uuid4().hex[:10]}"


def flood(bot) -> Outcome:
    who, last = sender(), None
    for i in range(60):
        last = rest_raw(bot, json.dumps({"sender": who, "message": f"hi {MARK}"}).encode())
        if last.status == 429:
            return Outcome(429, f"after {i} messages: {last.body}")
    return last


def rest_cases() -> List[Case]:
    s = sender
    return [
        Case("REST", "body is not JSON", lambda b: rest_raw(b, f"hello {MARK}".encode()), "4xx"),
        Case("REST", "form-encoded body", lambda b: rest_raw(b, f"sender=x&message={MARK}".encode(),
                                                             "application/x-www-form-urlencoded"), "4xx"),
        Case("REST", "JSON array instead of object", rest([MARK]), "4xx"),
        Case("REST", "JSON string instead of object", rest(MARK), "4xx"),
        Case("REST", "JSON nested 20,000 levels deep", lambda b: rest_raw(b, b"[" * 20000 + b"]" * 20000), "4xx"),
        Case("REST", "invalid UTF-8 bytes",
             lambda b: rest_raw(b, b'{"sender": "x", "message": "\xff\xfe' + MARK.encode() + b'"}'), "4xx"),
        Case("REST", "sender missing", rest({"message": MARK}), "4xx"),
        Case("REST", "sender is a number", rest({"sender": 12345, "message": MARK}), "4xx"),
        Case("REST", "sender of 10,000 characters", rest({"sender": "a" * 10000, "message": MARK}), "4xx"),
        Case("REST", "path-like sender ../../etc/passwd", rest({"sender": "../../etc/passwd", "message": MARK}), "4xx"),
        Case("REST", "sender with NUL byte", rest({"sender": "ab\x00cd", "message": MARK}), "4xx"),
        Case("REST", "message missing", rest({"sender": s()}), "4xx"),
        Case("REST", "message is a number", rest({"sender": s(), "message": 42}), "4xx"),
        Case("REST", "message is an object", rest({"sender": s(), "message": {"text": MARK}}), "4xx"),
        Case("REST", "message is null", rest({"sender": s(), "message": None}), "4xx"),
        Case("REST", "empty message", rest({"sender": s(), "message": ""}), "4xx"),
        Case("REST", "only zero-width characters", rest({"sender": s(), "message": "\u200b\u200d\ufeff"}), "4xx"),
        Case("REST", "1 MB message", rest({"sender": s(), "message": MARK + "x" * 1_000_000}), "4xx"),
        Case("REST", "2,001-character message", rest({"sender": s(), "message": MARK + "y" * 1998}), "4xx"),
        Case("REST", "message_id is an object", rest({"sender": s(), "message": MARK, "message_id": {"a": 1}}), "4xx"),
        Case("REST", "NUL bytes inside a real question",
             rest({"sender": s(), "message": "Office 365 phone number in China\x00\x00 21Vianet"}),
             "answer:400-089-0365"),
        Case("REST", "zero-width characters inside a real question",
             rest({"sender": s(), "message": "世纪互联\u200b的 Office\u200d 365 热线是多少"}), "answer:400-089-0365"),
        Case("REST", "right-to-left override characters",
             rest({"sender": s(), "message": f"\u202e{MARK} enohp\u202c \u2067number\u2069"}), "polite en"),
        Case("REST", "emoji only", rest({"sender": s(), "message": "😀🎉🔥"}), "polite en"),
        Case("REST", "HTML / JavaScript",
             rest({"sender": s(), "message": f"<script>alert('{MARK}')</script><img src=x onerror=alert(1)>"}),
             "polite en"),
        Case("REST", "SQL-looking text", rest({"sender": s(), "message": f"'; DROP TABLE events; -- {MARK}"}),
             "polite en"),
        Case("REST", "SQL-looking text in Chinese",
             rest({"sender": s(), "message": f"查询'; DELETE FROM events; -- 全部删除 {MARK}"}), "polite zh"),
        Case("REST", "metadata of the wrong type", rest({"sender": s(), "message": "UK phone number for Office 365",
                                                          "metadata": "zh"}), "answer:0800 032 6417"),
        Case("REST", "metadata with unknown language and junk keys",
             rest({"sender": s(), "message": "UK phone number for Office 365",
                   "metadata": {"language": "x" * 5000, "timezone": "../../etc/localtime", "__proto__": {"a": 1}}}),
             "answer:0800 032 6417"),
        Case("REST", "intent payload that does not exist",
             rest({"sender": s(), "message": f"/no_such_intent_{MARK}"}), "polite en"),
        Case("REST", "forged entity value in a payload",
             rest({"sender": s(), "message": '/inform{"product": "' + MARK + '", "country": ["a", {"b": 1}]}'}),
             "polite en"),
        Case("REST", "forged payload with an unknown product",
             rest({"sender": s(), "message": '/inform{"product": "' + MARK + '"}'}), "polite en"),
        Case("REST", "malformed payload JSON", rest({"sender": s(), "message": '/inform{"product": '}), "polite en"),
        Case("REST", "one sender flooding 60 messages", flood, "4xx"),
    ]


# ---------------------------------------------------------------------------------------------- WeChat
def wechat_raw(bot, body: bytes, params: Optional[dict] = None) -> Outcome:
    r = requests.post(f"{bot.url}/webhooks/wechat/webhook", params=signed() if params is None else params, data=body,
                      timeout=15)
    if r.status_code == 200 and r.text.startswith("<xml"):
        return Outcome(200, xmltodict.parse(r.text)["xml"].get("Content") or "")
    return Outcome(r.status_code, r.text)


def wechat(xml: str, params: Optional[dict] = None) -> Callable:
    return lambda bot: wechat_raw(bot, xml.encode("utf-8"), params() if params else None)


def forged() -> dict:
    return dict(signed(), signature="f" * 40)


def wechat_aes(key: str) -> Callable:
    def send(bot) -> Outcome:
        r, _ = post_aes(bot, text_xml(f"hello {MARK}", openid()), key=key)
        return Outcome(r.status_code, r.text)
    return send


def truncated_ciphertext(bot) -> Outcome:
    params = signed()
    envelope = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(text_xml(f"hi {MARK}", openid()), params["nonce"],
                                                                    params["timestamp"])
    encrypt = xmltodict.parse(envelope)["xml"]["Encrypt"][:-40]
    body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    params.update(encrypt_type="aes", msg_signature=hashlib.sha1(
        "".join(sorted([TOKEN, params["timestamp"], params["nonce"], encrypt])).encode()).hexdigest())
    return wechat_raw(bot, body.encode(), params)


def bad_msg_signature(bot) -> Outcome:
    params = signed()
    envelope = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(text_xml(f"hi {MARK}", openid()), params["nonce"],
                                                                    params["timestamp"])
    params.update(encrypt_type="aes", msg_signature="0" * 40)
    return wechat_raw(bot, envelope.encode(), params)


def replayed_msgid(bot) -> Outcome:
    user, msg_id = openid(), random.randint(10 ** 15, 10 ** 16)
    xml = text_xml("Microsoft 365 support number in Australia", user, msg_id)
    first, again = wechat_raw(bot, xml.encode()), wechat_raw(bot, xml.encode())
    turns = [e for e in bot.tracker(f"wechat-{user}")["events"] if e.get("event") == "user"]
    same = first.body == again.body and len(turns) == 1
    return Outcome(again.status, ("same reply, one turn: " if same else "DIFFERENT: ") + again.body)


def event_xml(kind: str, extra: str = "") -> str:
    return (f"<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{openid()}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{extra}"
            f"<MsgId>{random.randint(10 ** 15, 10 ** 16)}</MsgId></xml>")


def wechat_cases() -> List[Case]:
    good = text_xml(f"hello {MARK}", "o-bad-input")
    return [
        Case("WeChat", "forged signature", wechat(good, forged), "4xx"),
        Case("WeChat", "stale timestamp (1 hour old)", wechat(good, lambda: signed(ts=int(time.time()) - 3600)), "4xx"),
        Case("WeChat", "no signature at all", wechat(good, lambda: {}), "4xx"),
        Case("WeChat", "signature made with another token", wechat(good, lambda: signed(token="not-the-token")), "4xx"),
        Case("WeChat", "body is not XML", wechat(f"hello {MARK}"), "4xx"),
        Case("WeChat", "unclosed XML", wechat(f"<xml><Content>{MARK}"), "4xx"),
        Case("WeChat", "oversized XML (100 KB)", wechat(good.replace("hello", "x" * 100_000)), "4xx"),
        Case("WeChat", "XXE (external entity)", wechat('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                                       + good.replace("hello", "&e;")), "4xx"),
        Case("WeChat", "billion laughs",
             wechat('<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>' + good.replace("hello", "&c;")), "4xx"),
        Case("WeChat", "wrong AES key", wechat_aes("ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"), "4xx"),
        Case("WeChat", "truncated ciphertext", truncated_ciphertext, "4xx"),
        Case("WeChat", "bad msg_signature in safe mode", bad_msg_signature, "4xx"),
        Case("WeChat", "safe mode flag with a plaintext body",
             wechat(good, lambda: dict(signed(), encrypt_type="aes", msg_signature="1" * 40)), "4xx"),
        Case("WeChat", "replayed MsgId", replayed_msgid, "same reply"),
        Case("WeChat", "image message", wechat(event_xml("image", "<PicUrl><![CDATA[http://x/1.jpg]]></PicUrl>")),
             "polite zh"),
        Case("WeChat", "empty text content", wechat(text_xml("", openid())), "polite zh"),
        Case("WeChat", "3,000-character text", wechat(text_xml(MARK + "长" * 3000, openid())), "polite zh"),
        Case("WeChat", "HTML and a CDATA terminator in the text", wechat(text_xml(f"<b>{MARK}</b>]]&gt;", openid())),
             "polite en"),
        Case("WeChat", "invalid UTF-8 bytes in the XML",
             lambda b: wechat_raw(b, good.encode().replace(b"hello", b"\xff\xfe\xfd")), "4xx"),
        Case("WeChat", "path-like FromUserName", wechat(text_xml(f"hi {MARK}", "../../etc/passwd")), "4xx"),
        Case("WeChat", "control characters (invalid XML 1.0)", wechat(text_xml(f"{MARK}\u0007\u001b", openid())),
             "4xx"),
    ]


# ---------------------------------------------------------------------------------------------- socket.io
class Socket:
    """A socket.io client of the web chat channel, collecting what the server emits."""

    def __init__(self, url: str) -> None:
        self.events: list = []
        self.sio = socketio.Client(reconnection=False)
        for name in ("bot_uttered", "error", "session_confirm"):
            self.sio.on(name, lambda data, name=name: self.events.append((name, data)))
        # websocket: the transport the widget uses first and the only one the two workers accept
        self.sio.connect(url, transports=["websocket"], socketio_path="/socket.io", wait_timeout=10)

    def emit_and_wait(self, event: str, data, seconds: float = 10) -> Outcome:
        before = len(self.events)
        self.sio.emit(event, data)
        deadline = time.time() + seconds
        while time.time() < deadline:
            new = [e for e in self.events[before:] if e[0] in ("bot_uttered", "error", "session_confirm")]
            if new and (new[-1][0] != "bot_uttered" or time.time() > deadline - seconds + 1.5):
                name, payload = new[-1]
                text = payload.get("error") or payload.get("text") if isinstance(payload, dict) else str(payload)
                return Outcome(f"event:{name}", str(text))
            time.sleep(0.05)
        return Outcome("no event", "")

    def close(self) -> None:
        self.sio.eio.disconnect(abort=True)        # sends CLOSE without waiting out the long-poll


def socket_case(event: str, data_fn: Callable) -> Callable:
    def send(bot) -> Outcome:
        sock = Socket(bot.url)
        try:
            confirm = sock.emit_and_wait("session_request", {"session_id": uuid.uuid4().hex})
            session = confirm.body
            return sock.emit_and_wait(event, data_fn(session))
        finally:
            sock.close()
    return send


def socket_session_request_with_path(bot) -> Outcome:
    sock = Socket(bot.url)
    try:
        out = sock.emit_and_wait("session_request", {"session_id": "../../etc/passwd"})
        return Outcome(out.status,
                       "new session id issued" if re.fullmatch(r"[0-9a-f]{32}", out.body) else f"KEPT {out.body}")
    finally:
        sock.close()


def handshake_from(origin: str) -> Callable:
    """A websocket handshake (the accepted transport) with a foreign Origin header: the upgrade is refused."""
    def send(bot) -> Outcome:
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        r = requests.get(f"{bot.url}/socket.io/", params={"EIO": "4", "transport": "websocket"}, timeout=10,
                         headers={"Origin": origin, "Connection": "Upgrade", "Upgrade": "websocket",
                                  "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key})
        return Outcome(r.status_code, r.text[:80])
    return send


def polling_handshake(bot) -> Outcome:
    """Long-polling would send a session's requests to either worker: refused with a clear reason."""
    r = requests.get(f"{bot.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10)
    return Outcome(r.status_code, r.text[:80])


def socket_cases() -> List[Case]:
    return [
        Case("socket.io", "handshake from a foreign origin", handshake_from("https://evil.example"), "4xx"),
        Case("socket.io", "long-polling handshake while two workers serve", polling_handshake, "4xx"),
        Case("socket.io", "payload is a string", socket_case("user_uttered", lambda sid: f"hello {MARK}"),
             "error event"),
        Case("socket.io", "payload is a list", socket_case("user_uttered", lambda sid: [MARK, sid]), "error event"),
        Case("socket.io", "message is a number",
             socket_case("user_uttered", lambda sid: {"message": 7, "session_id": sid}), "error event"),
        Case("socket.io", "session_id missing", socket_case("user_uttered", lambda sid: {"message": MARK}),
             "error event"),
        Case("socket.io", "session_id is path-like",
             socket_case("user_uttered", lambda sid: {"message": MARK, "session_id": "../../x"}), "error event"),
        Case("socket.io", "2,001-character message",
             socket_case("user_uttered", lambda sid: {"message": MARK + "z" * 1998, "session_id": sid}), "error event"),
        Case("socket.io", "message of NUL bytes only",
             socket_case("user_uttered", lambda sid: {"message": "\x00\x00", "session_id": sid}), "error event"),
        Case("socket.io", "session_request with a path-like id", socket_session_request_with_path, "new session"),
        Case("socket.io", "customData of the wrong shape, real question",
             socket_case("user_uttered", lambda sid: {"message": "UK phone number for Office 365", "session_id": sid,
                                                      "customData": ["zh", {"x": 1}]}), "answer:0800 032 6417"),
    ]


CASES = rest_cases() + wechat_cases() + socket_cases()


# ---------------------------------------------------------------------------------------------- checks
def log_tail(path, start: int) -> str:
    with open(path, "rb") as f:
        f.seek(start)
        return f.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def baseline(bot):
    """A conversation stored before the cases, and where the server logs stood."""
    who = f"keep-{uuid.uuid4().hex[:8]}"
    bot.say("Microsoft 365 phone number in Australia", who)
    before = bot.tracker(who)
    logs = {p: p.stat().st_size for p in (ARTIFACTS / "rasa_server.log", ARTIFACTS / "action_server.log")}
    yield who, before, logs
    write_table()


def judge(case: Case, out: Outcome) -> Optional[str]:
    """None when the outcome is what the case expects, else what is wrong."""
    status, body = out.status, out.body
    if TRACE.search(body) or any(secret in body for secret in SECRETS):
        return "stack trace or secret in the response"
    if case.expect == "4xx":
        return None if isinstance(status, int) and 400 <= status < 500 else f"expected 4xx, got {status}"
    if case.expect == "error event":
        return None if status == "event:error" and body else f"expected an error event, got {status}"
    if case.expect == "new session":
        return None if body == "new session id issued" else body
    if case.expect == "same reply":
        return None if status == 200 and body.startswith("same reply") else body[:80]
    if status not in (200, "event:bot_uttered") or not body.strip():
        return f"expected a reply, got {status}"
    if case.expect.startswith("answer:"):
        return None if case.expect.split(":", 1)[1] in body else "the fact is missing from the answer"
    if "<script" in body or MARK in body and "<" in body:
        return "input echoed back as markup"
    if case.expect == "polite zh" and not CJK.search(body):
        return "reply not in Chinese"
    if case.expect == "polite en" and CJK.search(body.split("\n")[0]) and not re.search(r"[A-Za-z]{3}", body):
        return "reply not in English"
    return None


@pytest.mark.parametrize("case", CASES, ids=[f"{c.channel}: {c.name}" for c in CASES])
def test_bad_input(bot, baseline, case):
    out = case.send(bot)
    problem = judge(case, out)
    alive = "1 800 197 503" in bot.text("Microsoft 365 phone number in Australia")     # the next normal question
    ROWS.append({"channel": case.channel, "case": case.name, "expected": case.expect, "status": str(out.status),
                 "seen": " ".join(out.body.split())[:90], "ok": problem is None and alive})
    assert problem is None, f"{problem}: {out}"
    assert alive, "the next normal question was not answered correctly"


def test_after_all_cases_nothing_was_lost_and_the_logs_are_clean(bot, baseline):
    who, before, logs = baseline
    after = bot.tracker(who)
    assert after["events"][:len(before["events"])] == before["events"] and after["slots"] == before["slots"]
    for path, start in logs.items():
        text = log_tail(path, start)
        assert not TRACE.search(text), f"traceback in {path.name}"
        assert not any(secret in text for secret in SECRETS), f"secret in {path.name}"
        assert MARK not in text, f"message content in {path.name} at info level"
    assert len(CASES) >= 40


def write_table() -> None:
    if not ROWS:
        return
    per_channel = ", ".join(f"{ch}: {sum(1 for r in ROWS if r['channel'] == ch)}"
                            for ch in ("REST", "WeChat", "socket.io"))
    lines = ["# Bad input: cases and outcomes", "",
             "Generated by `tests/bot/test_bad_input.py` (part of `make test`) against the running assistant. "
             "After every",
             "case the next normal question was answered correctly; responses and server logs were checked for stack",
             "traces, secrets and the case's text; a conversation stored before the cases was unchanged afterwards.",
             "",
             f"{sum(r['ok'] for r in ROWS)} of {len(ROWS)} cases as expected "
             f"({per_channel}).", "",
             "| # | channel | case | expected | status | what the client saw | ok |", "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(ROWS, 1):
        seen = r["seen"].replace("|", "\\|").replace("<", "&lt;")
        lines.append(f"| {i} | {r['channel']} | {r['case']} | {r['expected']} | {r['status']} | {seen} | "
                     f"{'yes' if r['ok'] else 'NO'} |")
    (ROOT / "docs" / "bad_input.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
