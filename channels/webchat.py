"""Web chat: Rasa's socket.io channel, fixed and hardened, serving our widget from the same origin.

- `session_persistence: true` works: Rasa 3.6.21 calls python-socketio's `enter_room` without awaiting it,
  and since python-socketio 5.10 it is a coroutine, so the socket never joins its session's room and every
  bot reply is lost (RasaHQ/rasa#13027). We keep python-socketio current and await it here instead of
  pinning an old release with its own unfixed issues.
- Every socket event is validated (types, sizes, session id format, per-sender budget: channels.limits);
  bad ones get an `error` event and are logged without their content.
- Origins: the same origin, and the sites that `allowed_origins` (credentials) or WEBCHAT_ALLOWED_ORIGINS
  list (an embedding page's origin must be listed).
- The widget (web/widget.js, socket.io-client 4 vendored: no CDN, which is unreliable from mainland China)
  and a demo page are served under /webhooks/webchat/.

credentials.yml:
    channels.webchat.WebChatInput:
      session_persistence: true
"""
from __future__ import annotations

import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request

from channels.limits import check_text, clean_metadata, sender_budget, several_workers
from server.stores import StoreUnavailable

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
STATIC = {"widget.js": "application/javascript", "widget.css": "text/css",
          "socket.io.min.js": "application/javascript", "demo.html": "text/html"}
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
STORE_DOWN = "the conversation store is unavailable; send your message again in a few seconds"
SID_PREFIX = re.compile(r"^[0-9]{1,3}\.$")


def sid_prefix_from_env() -> str:
    """WEBCHAT_SID_PREFIX, set by scripts/run.py for each server behind its front: digits and a dot."""
    prefix = os.environ.get("WEBCHAT_SID_PREFIX", "")
    if prefix and not SID_PREFIX.match(prefix):
        raise ValueError(f"WEBCHAT_SID_PREFIX must be digits and a dot, e.g. '0.', not {prefix!r}")
    return prefix


def origin_policy(allowed: List[str]) -> Callable[[Optional[str], Dict[str, Any]], bool]:
    """engine.io's origin check: the assistant's own origin (the page it serves, also behind a proxy that
    sets X-Forwarded-Proto / -Host), and the embedding sites in `allowed`."""
    extra = frozenset(allowed)

    def is_allowed(origin: Optional[str], environ: Dict[str, Any]) -> bool:
        if origin in extra:
            return True
        host = environ.get("HTTP_HOST", "")
        own = {f"{environ.get('wsgi.url_scheme', 'http')}://{host}"}
        if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http"))
            forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host)
            own.add(f"{scheme.split(',')[0].strip()}://{forwarded_host.split(',')[0].strip()}")
        return bool(host) and origin in own

    return is_allowed


def check_message(data: Any, session_persistence: bool) -> Tuple[Optional[str], Optional[str]]:
    """(cleaned text, None) when a user_uttered payload is acceptable, else (None, the reason for the error
    event and the log)."""
    if not isinstance(data, dict):
        return None, "payload must be an object"
    text, problem, _ = check_text(data.get("message"))
    if problem:
        return None, problem
    if session_persistence and not (isinstance(data.get("session_id"), str) and SESSION_ID.match(data["session_id"])):
        return None, "missing or malformed session_id (send session_request first)"
    return text, None


class WebChatInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        credentials = credentials or {}
        channel = cls(credentials.get("user_message_evt", "user_uttered"),
                      credentials.get("bot_message_evt", "bot_uttered"),
                      credentials.get("namespace"), credentials.get("session_persistence", True),
                      credentials.get("socketio_path", "/socket.io"), credentials.get("jwt_key"),
                      credentials.get("jwt_method", "HS256"), credentials.get("metadata_key", "customData"))
        env = os.environ.get("WEBCHAT_ALLOWED_ORIGINS", "")
        channel.allowed_origins = [o for o in credentials.get("allowed_origins") or [] if o] + \
            [o.strip() for o in env.split(",") if o.strip()]
        return channel

    allowed_origins: List[str] = []
    budget = sender_budget()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio = self.sio                       # set by SocketIOInput.blueprint
        # Rasa's default allows every origin; engine.io's list would replace the same origin, not add to it
        sio.eio.cors_allowed_origins = origin_policy(self.allowed_origins)
        prefix = sid_prefix_from_env()
        if prefix:
            # behind `make run`'s front (scripts/front.py): the session ids say which server holds them
            issue = sio.eio.generate_id
            sio.eio.generate_id = lambda: prefix + issue()
        if several_workers():
            # long-polling needs every request of a session on the same process, and Sanic's workers share
            # one port: only websocket sessions (one connection, one worker) can work. `make run` runs
            # single-worker servers behind its front instead; this is for a server started by hand.
            sio.eio.transports = ["websocket"]

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = (data or {}).get("session_id") if isinstance(data, dict) else None
            if not (isinstance(session_id, str) and SESSION_ID.match(session_id)):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)   # awaited: the fix
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            text, problem = check_message(data, self.session_persistence)
            sender_id = (data["session_id"] if self.session_persistence else sid) if not problem else None
            if not problem and not self.budget.allow(sender_id):
                problem = "too many messages; wait a few seconds"
            if problem:
                logger.info("webchat: refused a message from %s: %s", sid, problem)
                await sio.emit("error", {"error": problem}, room=sid, namespace=self.namespace)
                return
            message = UserMessage(text, SocketIOOutput(sio, self.bot_message_evt), sender_id,
                                  input_channel=self.name(), metadata=clean_metadata(data.get(self.metadata_key)))
            try:
                await on_new_message(message)
            except StoreUnavailable:          # nothing was answered or stored: the widget says to send it again
                logger.warning("webchat: conversation store unavailable for a message of %s", sid)
                await sio.emit("error", {"error": STORE_DOWN}, room=sid, namespace=self.namespace)

        @bp.route("/<name:str>", methods=["GET"], name="webchat_static")
        async def static(request: Request, name: str):
            if name not in STATIC:
                return response.json({"error": "not found"}, status=404)
            return await response.file(WEB_DIR / name, mime_type=STATIC[name],
                                       headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

        @bp.route("/demo", methods=["GET"], name="webchat_demo")
        async def demo(request: Request):
            return await response.file(WEB_DIR / "demo.html", mime_type="text/html",
                                       headers={"Content-Security-Policy":
                                                "default-src 'self'; connect-src 'self' ws: wss:; "
                                                "style-src 'self' 'unsafe-inline'; img-src 'self' data:"})

        return bp
