"""WeChat Official Account channel (wechatpy): GET/POST /webhooks/wechat/webhook.

Configuration, from the environment only (never credentials.yml):
  WECHAT_TOKEN             the server token (required; without it the endpoints answer 503)
  WECHAT_APP_ID            the app id (required for safe mode and the customer-service API)
  WECHAT_ENCODING_AES_KEY  empty = plaintext mode, else safe (AES) mode
  WECHAT_APP_SECRET        empty = passive replies only, else late answers go through the customer-service API
  REDIS_URL                set (scale-out profile): retries deduplicated across replicas, button lists and
                           the access token shared through Redis; unset: in a SQLite file shared by the
                           Rasa processes of this machine (STATE_DB, default rasa_state.db) when there
                           are several (`make run`), else kept in this process

Behaviour:
- Signatures (signature / msg_signature) are checked in constant time; timestamps must be within ±300 s;
  bodies are capped; DOCTYPE / ENTITY declarations are refused before any XML parsing; every refusal is
  logged with its reason (never the token, keys or message content) and answered 400/403/413.
- WeChat waits 5 s and retries the same message up to 3 times. Messages are deduplicated by MsgId (events by
  FromUserName+CreateTime): a retry never starts a second bot turn, it waits for the first one's answer.
  Where processes share the state, the first one's claim on a message lasts seconds and is renewed while
  its turn runs: if that process dies, a retry on another one runs the turn and answers.
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
import logging
import os
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from channels.limits import MAX_MESSAGE_CHARS, check_text, sender_budget, shares_state, state_db
from core.render import load_wording, pick_variation
from server.stores import StoreUnavailable
from server.stores.channel_state import ClaimLost, LocalState, RedisState, SQLiteState

logger = logging.getLogger(__name__)

OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")       # WeChat openids; anything else is not from WeChat
SECRET_KEYS = ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET")
MAX_BODY = 64 * 1024
TIMESTAMP_WINDOW = 300
PASSIVE_DEADLINE = 4.5
STORE_DOWN = "\x00conversation store unavailable"   # a turn's result that is no answer: WeChat retries
TEXT_LIMIT = 2048                   # bytes per WeChat text message
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


def said(fragment: str, **variables: Any) -> str:
    """What the channel says itself, from domain.yml's fragments: both languages in one text, since it
    answers before any message is understood."""
    return pick_variation(load_wording()[1][fragment], "en")["text"].format(**variables)


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
        text += "\n" + said("channel_pick_a_number")
    return text, payloads


def channel_state() -> LocalState:
    """Redis when REDIS_URL is set; a SQLite file when other processes of this machine serve the same users;
    else memory."""
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url:
        return RedisState(redis_url)
    if shares_state():
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
                    xml = self.crypto.decrypt_message(body, args.get("msg_signature"), args.get("timestamp"),
                                                      args.get("nonce"))
                except Exception:  # noqa: BLE001 - wrong key, truncated ciphertext, wrong app id
                    return self._refuse(400, "cannot decrypt the message", request)
            try:
                from wechatpy import parse_message
                message = parse_message(xml)
            except Exception:  # noqa: BLE001 - any XML the parser cannot read is the client's fault
                return self._refuse(400, "malformed message XML", request)
            if not OPENID.match(str(message.source or "")):
                return self._refuse(400, "malformed FromUserName", request)
            try:
                reply = await self._handle(message, on_new_message)
            except StoreUnavailable:                      # no reply: WeChat tries again, and that try runs it
                return response.text("conversation store unavailable", status=503)
            return self._reply_response(reply, message, args, safe)

        return bp

    # ------------------------------------------------------------------------------------------ handling
    async def _handle(self, message, on_new_message) -> Optional[str]:
        openid = str(message.source)
        if message.type == "text":
            key, metadata = f"msg:{message.id}", {}
            text, problem, _ = check_text(message.content or "")
            if problem:
                return said("channel_bad_length", limit=MAX_MESSAGE_CHARS)
            payloads = await self.state.buttons(openid) if text.isdigit() else []
            if payloads and 1 <= int(text) <= len(payloads):
                text = payloads[int(text) - 1]
        elif message.type == "event" and message.event == "subscribe":
            key, text, metadata = f"evt:{openid}:{message.create_time}", "/greet", {"language": "zh"}
        elif message.type == "event":
            return None
        else:
            return said("channel_text_only")
        loop = asyncio.get_running_loop()
        first = await self.state.claim(key)
        if first:
            if not self.budget.allow(openid):
                await self.state.publish(key, (said("channel_too_fast"), []))
            else:
                loop.create_task(self._run_turn(key, openid, text, metadata, on_new_message))
        else:
            logger.info("wechat: retry of %s joins the first request", key)
        deadline = loop.time() + PASSIVE_DEADLINE
        while True:
            try:
                text_reply, late = await self.state.wait(key, max(0.0, deadline - loop.time()))
                break
            except ClaimLost:                             # the process running the turn died: run it here
                if await self.state.claim(key):
                    logger.info("wechat: the claim on %s ran out unanswered; this process runs the turn", key)
                    first = True
                    loop.create_task(self._run_turn(key, openid, text, metadata, on_new_message))
            except asyncio.TimeoutError:
                if first:
                    loop.create_task(self._deliver_late(key, openid))
                return None                               # "success": no passive reply, no retry
        if text_reply == STORE_DOWN:                      # nothing was stored: the next try runs the turn again
            await self.state.release(key)
            raise StoreUnavailable("the conversation store could not be reached")
        if late and first:                                # the overflow goes out once, not once per retry
            loop.create_task(self._send_customer_service(openid, late))
        return text_reply

    async def _run_turn(self, key: str, openid: str, text: str, metadata: Dict, on_new_message) -> None:
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, f"wechat-{openid}", input_channel=self.name(),
                                             metadata=metadata))
            combined, payloads = render_messages(collector.messages)
            await self.state.set_buttons(openid, payloads)
            pieces = split_utf8(combined) or [said("channel_no_answer")]
            result = (pieces[0], pieces[1:])
        except StoreUnavailable:
            logger.warning("wechat: conversation store unavailable; the message is left to WeChat's next try")
            result = (STORE_DOWN, [])
        except Exception:  # one user's failure must not break the channel
            logger.exception("wechat: turn failed for a user")
            result = (said("channel_error"), [])
        await self.state.publish(key, result)

    async def _deliver_late(self, key: str, openid: str) -> None:
        first, rest = await self.state.wait(key, 600)
        if first == STORE_DOWN:                           # WeChat had "success" already: nothing to send
            logger.warning("wechat: a late turn could not be stored; the user got no answer")
            await self.state.release(key)
            return
        await self._send_customer_service(openid, [first] + list(rest))

    async def _send_customer_service(self, openid: str, pieces: List[str]) -> None:
        if not (self.app_id and self.app_secret):
            logger.warning("wechat: %d message(s) could not be delivered late: no WECHAT_APP_SECRET", len(pieces))
            return
        loop = asyncio.get_running_loop()
        for piece in pieces:
            try:
                await asyncio.wait_for(loop.run_in_executor(None, self._send_text_blocking, openid, piece),
                                       CS_TIMEOUT * 2)
            except Exception:  # logged, the next piece may still go through
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
