"""Web chat: Rasa's socket.io channel, fixed and hardened, serving our widget from the same origin.

- `session_persistence: true` works: Rasa 3.6.21 calls python-socketio's `enter_room` without awaiting it,
  and since python-socketio 5.10 it is a coroutine, so the socket never joins its session's room and every
  bot reply is lost (RasaHQ/rasa#13027). We keep python-socketio current and await it here instead of
  pinning an old release with its own unfixed issues.
- Every socket event is validated (types, sizes, session id format, per-sender budget: channels.limits);
  bad ones get an `error` event and are logged without their content.
- Origins: same origin only unless `allowed_origins` (credentials) or WEBCHAT_ALLOWED_ORIGINS lists others.
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

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
STATIC = {"widget.js": "application/javascript", "widget.css": "text/css",
          "socket.io.min.js": "application/javascript", "demo.html": "text/html"}
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


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
        # python-engineio: None = same origin only; a list = those origins too (Rasa's default allows all)
        sio.eio.cors_allowed_origins = self.allowed_origins or None
        if several_workers():
            # long-polling needs every request of a session on the same process; the workers of `make run`
            # share one port, so only websocket sessions (one connection, one worker) are accepted; the
            # widget connects by websocket first (WORKERS=1, or a proxy with sticky sessions, for polling)
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
            await on_new_message(message)

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
