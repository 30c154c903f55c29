"""WeChat Official Account channel (wechatpy): GET/POST /webhooks/wechat/webhook.

Configuration, from the environment only (never credentials.yml):
  WECHAT_TOKEN             the server token (required; without it the endpoints answer 503)
  WECHAT_APP_ID            the app id (required for safe mode and the customer-service API)
  WECHAT_ENCODING_AES_KEY  empty = plaintext mode, else safe (AES) mode
  WECHAT_APP_SECRET        empty = passive replies only, else late answers go through the customer-service API
  REDIS_URL                set (scale-out profile): retries deduplicated across replicas, button lists and
                           the access token shared through Redis; unset: in a SQLite file shared by the
                           workers of this machine (STATE_DB, default rasa_state.db) when
                           SANIC_WORKERS > 1, else kept in this process

Behaviour:
- Signatures (signature / msg_signature) are checked in constant time; timestamps must be within ±300 s;
  bodies are capped; DOCTYPE / ENTITY declarations are refused before any XML parsing; every refusal is
  logged with its reason (never the token, keys or message content) and answered 400/403/413.
- WeChat waits 5 s and retries the same message up to 3 times. Messages are deduplicated by MsgId (events by
  FromUserName+CreateTime): a retry never starts a second bot turn, it waits for the first one's answer.
- The answer is given as one passive reply if ready within 4.5 s (several bot messages joined, text cut at
  2048 UTF-8 bytes, buttons as a numbered list). Otherwise the reply is `success` and the answer goes out
  through the customer-service API (blocking wechatpy client run in a thread, with timeouts).
- A user replying with the number of a listed button sends that button's payload.
- A new follower (subscribe event) is greeted in Chinese.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from channels.limits import MAX_MESSAGE_CHARS, check_text, sender_budget, several_workers, state_db
from components.sqlite import ProcessSQLite

logger = logging.getLogger(__name__)

OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")       # WeChat openids; anything else is not from WeChat
SECRET_KEYS = ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET")
MAX_BODY = 64 * 1024
TIMESTAMP_WINDOW = 300
PASSIVE_DEADLINE = 4.5
TEXT_LIMIT = 2048                   # bytes per WeChat text message
DEDUP_TTL = 600
DEDUP_MAX = 10000
CS_TIMEOUT = 5


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def valid_signature(expected_parts: Tuple[str, ...], given: Optional[str]) -> bool:
    return bool(given) and hmac.compare_digest(signature(*expected_parts), str(given))


def split_utf8(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Cut text into pieces of at most `limit` UTF-8 bytes, never inside a character, preferring line breaks."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        if len((current + line).encode("utf-8")) <= limit:
            current += line
            continue
        if current:
            pieces.append(current)
            current = ""
        while len(line.encode("utf-8")) > limit:
            cut = limit
            while len(line[:cut].encode("utf-8")) > limit:
                cut -= 1
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return [p.rstrip("\n") for p in pieces if p.strip()]


def cdata_safe(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


def render_messages(messages: List[Dict[str, Any]]) -> Tuple[str, List[str]]:
    """Bot messages as one text (buttons numbered) and the payloads those numbers stand for."""
    parts, payloads = [], []
    for m in messages:
        lines = [m["text"]] if m.get("text") else []
        for b in m.get("buttons") or []:
            payloads.append(str(b.get("payload") or b.get("title")))
            lines.append(f"{len(payloads)}. {b.get('title') or b.get('payload')}")
        if lines:
            parts.append("\n".join(lines))
    text = "\n\n".join(parts)
    if payloads:
        text += "\n（回复序号即可选择 / reply with a number）"
    return text, payloads


class LocalState:
    """What the channel remembers, in this process: one bot turn per WeChat message (retries await the first
    request's result, kept DEDUP_TTL seconds) and each user's last numbered button list."""

    def __init__(self) -> None:
        self._turns: "OrderedDict[str, Tuple[float, asyncio.Future]]" = OrderedDict()
        self._buttons: "OrderedDict[str, List[str]]" = OrderedDict()

    def _future(self, key: str) -> asyncio.Future:
        now = time.monotonic()
        while self._turns and (len(self._turns) > DEDUP_MAX or next(iter(self._turns.values()))[0] < now - DEDUP_TTL):
            self._turns.popitem(last=False)
        if key not in self._turns:
            self._turns[key] = (now, asyncio.get_running_loop().create_future())
        return self._turns[key][1]

    async def claim(self, key: str) -> bool:
        """True for the first request carrying `key` (it runs the turn), False for a retry."""
        fresh = key not in self._turns
        self._future(key)
        return fresh

    async def publish(self, key: str, result: Tuple[str, List[str]]) -> None:
        future = self._future(key)
        if not future.done():
            future.set_result(result)

    async def wait(self, key: str, timeout: float) -> Tuple[str, List[str]]:
        """The turn's (first piece, remaining pieces); asyncio.TimeoutError if not ready in `timeout`."""
        return await asyncio.wait_for(asyncio.shield(self._future(key)), timeout)

    async def buttons(self, openid: str) -> List[str]:
        return self._buttons.get(openid, [])

    async def set_buttons(self, openid: str, payloads: List[str]) -> None:
        self._buttons.pop(openid, None)
        if payloads:
            self._buttons[openid] = payloads
            while len(self._buttons) > DEDUP_MAX:
                self._buttons.popitem(last=False)


class SharedState(LocalState):
    """The same, shared by processes through a key-value store: a retry that lands on another process joins
    the turn started by the first one (a set-if-absent claims it; the result is published under the same
    key), and button lists follow the user. If the store cannot be reached, each call falls back to this
    process's memory (logged): users still get answers, only cross-process deduplication is lost meanwhile."""

    PREFIX = "wechat:"

    async def _set(self, key: str, value: str, ttl: int, only_if_absent: bool = False) -> bool:
        raise NotImplementedError

    async def _get(self, key: str) -> Optional[str]:
        raise NotImplementedError

    async def _delete(self, key: str) -> None:
        raise NotImplementedError

    def _down(self, what: str) -> None:
        logger.warning("wechat: %s unavailable (%s); using this process's memory", type(self).__name__, what)

    async def claim(self, key: str) -> bool:
        try:
            claimed = await self._set(f"{self.PREFIX}turn:{key}", "pending", DEDUP_TTL, only_if_absent=True)
        except Exception:  # noqa: BLE001 - any store failure
            self._down("claim")
            return await super().claim(key)
        if claimed:
            self._future(key)
        return claimed

    async def publish(self, key: str, result: Tuple[str, List[str]]) -> None:
        await super().publish(key, result)
        try:
            await self._set(f"{self.PREFIX}result:{key}", json.dumps(result, ensure_ascii=False), DEDUP_TTL)
        except Exception:  # noqa: BLE001
            self._down("publish")

    async def wait(self, key: str, timeout: float) -> Tuple[str, List[str]]:
        if key in self._turns:                              # started here: no polling
            return await super().wait(key, timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                raw = await self._get(f"{self.PREFIX}result:{key}")
            except Exception:  # noqa: BLE001
                self._down("wait")
                raw = None
            if raw is not None:
                first, rest = json.loads(raw)
                return first, list(rest)
            if time.monotonic() >= deadline:
                raise asyncio.TimeoutError
            await asyncio.sleep(0.05)

    async def buttons(self, openid: str) -> List[str]:
        try:
            raw = await self._get(f"{self.PREFIX}buttons:{openid}")
        except Exception:  # noqa: BLE001
            self._down("buttons")
            return await super().buttons(openid)
        return json.loads(raw) if raw else []

    async def set_buttons(self, openid: str, payloads: List[str]) -> None:
        await super().set_buttons(openid, payloads)
        key = f"{self.PREFIX}buttons:{openid}"
        try:
            if payloads:
                await self._set(key, json.dumps(payloads, ensure_ascii=False), 24 * 3600)
            else:
                await self._delete(key)
        except Exception:  # noqa: BLE001
            self._down("set_buttons")


class RedisState(SharedState):
    """Shared by replicas on several machines through Redis (REDIS_URL, the scale-out profile)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio
        self.redis = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    async def _set(self, key: str, value: str, ttl: int, only_if_absent: bool = False) -> bool:
        return bool(await self.redis.set(key, value, nx=only_if_absent, ex=ttl))

    async def _get(self, key: str) -> Optional[str]:
        raw = await self.redis.get(key)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def _delete(self, key: str) -> None:
        await self.redis.delete(key)


class SQLiteState(SharedState):
    """Shared by the Sanic workers of one machine through a SQLite file (STATE_DB), when `make run`
    starts more than one worker and there is no Redis: WeChat's retry of a message may reach another worker."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.db = ProcessSQLite(path, "CREATE TABLE IF NOT EXISTS wechat_state "
                                      "(key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL)")
        self._writes = 0

    async def _set(self, key: str, value: str, ttl: int, only_if_absent: bool = False) -> bool:
        now = time.time()
        self._writes += 1
        db = self.db()
        if self._writes % 200 == 0:
            db.execute("DELETE FROM wechat_state WHERE expires < ?", (now,))
        if only_if_absent:
            db.execute("DELETE FROM wechat_state WHERE key = ? AND expires < ?", (key, now))
            return db.execute("INSERT OR IGNORE INTO wechat_state VALUES (?, ?, ?)", (key, value, now + ttl)).rowcount == 1
        db.execute("INSERT OR REPLACE INTO wechat_state VALUES (?, ?, ?)", (key, value, now + ttl))
        return True

    async def _get(self, key: str) -> Optional[str]:
        row = self.db().execute("SELECT value FROM wechat_state WHERE key = ? AND expires >= ?",
                                (key, time.time())).fetchone()
        return row[0] if row else None

    async def _delete(self, key: str) -> None:
        self.db().execute("DELETE FROM wechat_state WHERE key = ?", (key,))


def channel_state() -> LocalState:
    """Redis when REDIS_URL is set; a SQLite file when this server runs several workers; else memory."""
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return RedisState(redis_url)
    if several_workers():
        return SQLiteState(state_db())
    return LocalState()


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        """Secrets come from the environment only: a credentials file is too easily committed or shared."""
        ignored = sorted(k for k in (credentials or {}) if k.upper() in SECRET_KEYS)
        if ignored:
            logger.warning("wechat: ignoring %s in credentials.yml; set them in the environment", ", ".join(ignored))
        return cls(*(os.environ.get(key, "").strip() for key in SECRET_KEYS))

    def __init__(self, token: str, app_id: str = "", encoding_aes_key: str = "", app_secret: str = "") -> None:
        self.token, self.app_id, self.app_secret = token, app_id, app_secret
        self.crypto = None
        if encoding_aes_key:
            from wechatpy.crypto import WeChatCrypto
            self.crypto = WeChatCrypto(token, encoding_aes_key, app_id)
        self.budget = sender_budget()
        self.redis_url = os.environ.get("REDIS_URL", "").strip()
        self.state = channel_state()
        self._client = None

    # ------------------------------------------------------------------------------------------ checks
    def _refuse(self, status: int, reason: str, request: Request) -> response.HTTPResponse:
        logger.warning("wechat: refused %s %s from %s: %s", request.method, request.path, request.ip, reason)
        return response.text(reason, status=status)

    def _check_request(self, request: Request) -> Optional[response.HTTPResponse]:
        if not self.token:
            return self._refuse(503, "WeChat channel not configured (WECHAT_TOKEN)", request)
        args = request.args
        ts = args.get("timestamp", "")
        if not ts.isdigit() or abs(time.time() - int(ts)) > TIMESTAMP_WINDOW:
            return self._refuse(403, "timestamp missing or outside the allowed window", request)
        if not valid_signature((self.token, ts, args.get("nonce", "")), args.get("signature")):
            return self._refuse(403, "bad signature", request)
        return None

    # ------------------------------------------------------------------------------------------ blueprint
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("wechat_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok" if self.token else "not configured"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> response.HTTPResponse:
            refused = self._check_request(request)
            if refused:
                return refused
            return response.text(request.args.get("echostr", ""))

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            refused = self._check_request(request)
            if refused:
                return refused
            body = request.body or b""
            if len(body) > MAX_BODY:
                return self._refuse(413, "body too large", request)
            upper = body[:4096].upper()
            if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
                return self._refuse(400, "DOCTYPE/ENTITY declarations are not accepted", request)
            args = request.args
            xml = body
            safe = args.get("encrypt_type") == "aes"          # WeChat says which mode each request uses
            if safe and self.crypto is None:
                return self._refuse(400, "safe mode request but WECHAT_ENCODING_AES_KEY is not set", request)
            if safe:
                try:
                    import xmltodict
                    encrypt = xmltodict.parse(body.decode("utf-8"))["xml"]["Encrypt"]
                except Exception:  # noqa: BLE001 - any malformed envelope is the client's fault
                    return self._refuse(400, "malformed encrypted envelope", request)
                if not valid_signature((self.token, args.get("timestamp", ""), args.get("nonce", ""), str(encrypt)),
                                       args.get("msg_signature")):
                    return self._refuse(403, "bad msg_signature", request)
                try:
                    xml = self.crypto.decrypt_message(body, args.get("msg_signature"), args.get("timestamp"), args.get("nonce"))
                except Exception:  # noqa: BLE001 - wrong key, truncated ciphertext, wrong app id
                    return self._refuse(400, "cannot decrypt the message", request)
            try:
                from wechatpy import parse_message
                message = parse_message(xml)
            except Exception:  # noqa: BLE001
                return self._refuse(400, "malformed message XML", request)
            if not OPENID.match(str(message.source or "")):
                return self._refuse(400, "malformed FromUserName", request)
            reply = await self._handle(message, on_new_message)
            return self._reply_response(reply, message, args, safe)

        return bp

    # ------------------------------------------------------------------------------------------ handling
    async def _handle(self, message, on_new_message) -> Optional[str]:
        openid = str(message.source)
        if message.type == "text":
            key, metadata = f"msg:{message.id}", {}
            text, problem, _ = check_text(message.content or "")
            if problem:
                return "消息为空或太长（最多 %d 字）。The message is empty or too long (at most %d characters)." % (
                    MAX_MESSAGE_CHARS, MAX_MESSAGE_CHARS)
            payloads = await self.state.buttons(openid) if text.isdigit() else []
            if payloads and 1 <= int(text) <= len(payloads):
                text = payloads[int(text) - 1]
        elif message.type == "event" and message.event == "subscribe":
            key, text, metadata = f"evt:{openid}:{message.create_time}", "/greet", {"language": "zh"}
        elif message.type == "event":
            return None
        else:
            return "目前只支持文字消息。Only text messages are supported."
        first = await self.state.claim(key)
        if first:
            if not self.budget.allow(openid):
                await self.state.publish(key, ("您发送得太快了，请稍等几秒再试。You are sending too fast; please wait a few seconds.", []))
            else:
                asyncio.get_running_loop().create_task(self._run_turn(key, openid, text, metadata, on_new_message))
        else:
            logger.info("wechat: retry of %s joins the first request", key)
        try:
            text_reply, late = await self.state.wait(key, PASSIVE_DEADLINE)
        except asyncio.TimeoutError:
            if first:
                asyncio.get_running_loop().create_task(self._deliver_late(key, openid))
            return None                                   # "success": no passive reply, no retry
        if late and first:                                # the overflow goes out once, not once per retry
            asyncio.get_running_loop().create_task(self._send_customer_service(openid, late))
        return text_reply

    async def _run_turn(self, key: str, openid: str, text: str, metadata: Dict, on_new_message) -> None:
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, f"wechat-{openid}", input_channel=self.name(), metadata=metadata))
            combined, payloads = render_messages(collector.messages)
            await self.state.set_buttons(openid, payloads)
            pieces = split_utf8(combined) or ["抱歉，我没有找到答案。Sorry, I have no answer for that."]
            result = (pieces[0], pieces[1:])
        except Exception:  # noqa: BLE001 - one user's failure must not break the channel
            logger.exception("wechat: turn failed for a user")
            result = ("抱歉，出了点问题，请稍后再试。Sorry, something went wrong; please try again.", [])
        await self.state.publish(key, result)

    async def _deliver_late(self, key: str, openid: str) -> None:
        first, rest = await self.state.wait(key, 600)
        await self._send_customer_service(openid, [first] + list(rest))

    async def _send_customer_service(self, openid: str, pieces: List[str]) -> None:
        if not (self.app_id and self.app_secret):
            logger.warning("wechat: %d message(s) could not be delivered late: no WECHAT_APP_SECRET", len(pieces))
            return
        loop = asyncio.get_running_loop()
        for piece in pieces:
            try:
                await asyncio.wait_for(loop.run_in_executor(None, self._send_text_blocking, openid, piece), CS_TIMEOUT * 2)
            except Exception:  # noqa: BLE001 - logged, the next piece may still go through
                logger.exception("wechat: customer-service message failed")

    def _send_text_blocking(self, openid: str, text: str) -> None:
        if self._client is None:
            from wechatpy import WeChatClient
            session = None
            if self.redis_url:                            # one access token for all replicas
                import redis
                from wechatpy.session.redisstorage import RedisStorage
                session = RedisStorage(redis.Redis.from_url(self.redis_url), prefix="wechatpy")
            self._client = WeChatClient(self.app_id, self.app_secret, timeout=CS_TIMEOUT, session=session)
        self._client.message.send_text(openid, text)

    def _reply_response(self, text: Optional[str], message, args, safe: bool) -> response.HTTPResponse:
        if text is None:
            return response.text("success")
        from wechatpy.replies import TextReply
        xml = TextReply(source=message.target, target=message.source, content=cdata_safe(text)).render()
        if safe:
            xml = self.crypto.encrypt_message(xml, args.get("nonce", ""), args.get("timestamp"))
        return response.text(xml, content_type="application/xml")
