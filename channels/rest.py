"""REST channel: Rasa's POST /webhooks/rest/webhook, validated, bounded and idempotent.

Body: {"sender": "...", "message": "...", "metadata": {"language": "zh", "timezone": "Asia/Shanghai"},
       "message_id": "optional client id for safe retries"}

- Bad input gets a clear JSON error ({"error": "..."}) and status: 400 (not JSON, wrong types, bad sender,
  empty text), 413 (too long), 429 (sender over its budget). Never a stack trace. The body is read as JSON
  whatever the Content-Type says (as Rasa's channel does: `curl -d '{...}'` sends a form type).
- Text is cleaned by channels.limits (control/invisible characters removed) before NLU sees it.
- `message_id` makes retries safe across replicas: under the conversation's lock (Redis in the scale-out
  profile) the tracker is checked first, and a message it already holds is not processed again; the answers
  recorded for it are returned instead. A client whose request died with a replica can simply send the same
  body again to any replica: the conversation gets the message exactly once.
- Logs never contain message text (only sender ids and reasons).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from channels.limits import MESSAGE_ID, SenderBudget, check_sender, check_text, clean_metadata

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
BOT_KEYS = ("text", "buttons", "image", "attachment", "custom", "quick_replies", "elements")


def replies_after(events: List[Dict[str, Any]], message_id: str, recipient: str) -> Optional[List[Dict[str, Any]]]:
    """The bot messages that followed the user message `message_id` in a tracker's events, or None if the
    tracker does not hold that message (in the shape CollectingOutputChannel gives)."""
    found, out = False, []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if found:
                break
            found = event.get("message_id") == message_id
        elif found and kind == "bot":
            message = {"recipient_id": recipient}
            if event.get("text"):
                message["text"] = event["text"]
            data = event.get("data") or {}
            message.update({k: data[k] for k in BOT_KEYS[1:] if data.get(k)})
            out.append(message)
    return out if found else None


def error(reason: str, status: int) -> response.HTTPResponse:
    return response.json({"error": reason}, status=status)


class RestInput(InputChannel):
    """Named "rest", so it replaces Rasa's REST channel at the same URL."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self) -> None:
        self.budget = SenderBudget()

    def parse(self, request: Request) -> tuple:
        """(sender, text, metadata, message_id, None) or (..., error response)."""
        if len(request.body or b"") > MAX_BODY:
            return None, None, None, None, error(f"body larger than {MAX_BODY} bytes", 413)
        try:
            body = json.loads((request.body or b"").decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None, None, None, None, error("body is not valid UTF-8 JSON", 400)
        if not isinstance(body, dict):
            return None, None, None, None, error("body must be a JSON object", 400)
        problem = check_sender(body.get("sender"))
        if problem:
            return None, None, None, None, error(problem, 400)
        text, problem, status = check_text(body.get("message"))
        if problem:
            return None, None, None, None, error(problem, status)
        message_id = body.get("message_id")
        if message_id is not None and not (isinstance(message_id, str) and MESSAGE_ID.match(message_id)):
            return None, None, None, None, error("message_id must be 1-64 characters of A-Z a-z 0-9 _ . : -", 400)
        return body["sender"], text, clean_metadata(body.get("metadata")), message_id, None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            sender, text, metadata, message_id, refused = self.parse(request)
            if refused:
                logger.info("rest: refused a request from %s: %s", request.ip, json.loads(refused.body)["error"])
                return refused
            if not self.budget.allow(sender):
                logger.info("rest: sender %s over its message budget", sender)
                return error("too many messages from this sender; wait a few seconds", 429)
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata,
                                  message_id=message_id)
            try:
                if message_id:
                    replayed = await self._handle_once(request, message)
                    if replayed is not None:
                        logger.info("rest: message %s of %s already handled; answers replayed", message_id, sender)
                        return response.json(replayed)
                else:
                    await on_new_message(message)
            except Exception:  # noqa: BLE001 - one failed turn must not leak internals; logged without text
                logger.exception("rest: turn failed for sender %s", sender)
                return error("the assistant could not answer; please try again", 500)
            return response.json(collector.messages)

        return bp

    @staticmethod
    async def _handle_once(request: Request, message: UserMessage) -> Optional[List[Dict[str, Any]]]:
        """Handle `message` unless its conversation already holds it (checked under the conversation lock);
        returns the recorded answers in that case, else None after handling it."""
        agent = request.app.ctx.agent
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is not None:
                events = [e.as_dict() for e in tracker.events]
                replayed = replies_after(events, message.message_id, message.sender_id)
                if replayed is not None:
                    return replayed
            await agent.processor.handle_message(message)
        return None
