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
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, Event, UserUttered
from sanic import Blueprint, response
from sanic.request import Request

from channels.limits import MESSAGE_ID, sender_budget, check_sender, check_text, clean_metadata
from server.stores import StoreUnavailable

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
RETRY_AFTER_S = 2                 # a store restart or failover takes seconds
BOT_KEYS = ("text", "buttons", "image", "attachment", "custom", "quick_replies", "elements")


def replies_after(events: Iterable[Event], message_id: str, recipient: str) -> Optional[List[Dict[str, Any]]]:
    """The bot messages that followed the user message `message_id` in a tracker's events, or None if the
    tracker does not hold that message (in the shape CollectingOutputChannel gives)."""
    found, out = False, []
    for event in events:
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            message = {"recipient_id": recipient}
            if event.text:
                message["text"] = event.text
            data = event.data or {}
            message.update({k: data[k] for k in BOT_KEYS[1:] if data.get(k)})
            out.append(message)
    return out if found else None


class Refused(Exception):
    """A request the channel will not handle: the reason goes to the client (and the log) with `status`."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


def error(reason: str, status: int, headers: Optional[Dict[str, str]] = None) -> response.HTTPResponse:
    return response.json({"error": reason}, status=status, headers=headers)


class RestInput(InputChannel):
    """Named "rest", so it replaces Rasa's REST channel at the same URL."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self) -> None:
        self.budget = sender_budget()

    def parse(self, request: Request) -> Tuple[str, str, Dict[str, str], Optional[str]]:
        """(sender, cleaned text, metadata, message_id); raises Refused for anything else."""
        if len(request.body or b"") > MAX_BODY:
            raise Refused(f"body larger than {MAX_BODY} bytes", 413)
        try:
            body = json.loads((request.body or b"").decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise Refused("body is not valid UTF-8 JSON") from None
        if not isinstance(body, dict):
            raise Refused("body must be a JSON object")
        problem = check_sender(body.get("sender"))
        if problem:
            raise Refused(problem)
        text, problem, status = check_text(body.get("message"))
        if problem:
            raise Refused(problem, status)
        message_id = body.get("message_id")
        if message_id is not None and not (isinstance(message_id, str) and MESSAGE_ID.match(message_id)):
            raise Refused("message_id must be 1-64 characters of A-Z a-z 0-9 _ . : -")
        return body["sender"], text, clean_metadata(body.get("metadata")), message_id

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            try:
                sender, text, metadata, message_id = self.parse(request)
            except Refused as refused:
                logger.info("rest: refused a request from %s: %s", request.ip, refused.reason)
                return error(refused.reason, refused.status)
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
            except StoreUnavailable:                 # nothing was answered or stored: the same message again
                logger.warning("rest: conversation store unavailable for sender %s; answered 503", sender)
                return error("the conversation store is unavailable; send the same message again shortly",
                             503, headers={"Retry-After": str(RETRY_AFTER_S)})
            except Exception:  # one failed turn must not leak internals; logged without text
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
                replayed = replies_after(tracker.events, message.message_id, message.sender_id)
                if replayed is not None:
                    return replayed
            await agent.processor.handle_message(message)
        return None
