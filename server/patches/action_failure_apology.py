"""An apology instead of silence when the action server fails.

When a custom action cannot run (the action server is down, times out or answers with an error), Rasa logs
the error, drops the action's events and carries on; the user then gets no answer (an empty list over
REST, nothing in WeChat or the web chat) or at most the generic "didn't understand". Here a turn in which a
custom action failed ends with one `utter_error`, in the user's language (the NLG picks it), stored in the
conversation (still under its lock) before it goes out through the same output channel, like every answer.
Errors inside the actions are handled by the actions themselves
(actions.actions.SafeAction, which sends the same apology); this covers the call not getting through, when
the failed action can have said nothing.
"""
from __future__ import annotations

import contextvars
from typing import Any, List, Optional

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor

from server.patches.patch import Patch

ERROR_RESPONSE = "utter_error"
_failed: "contextvars.ContextVar[Optional[List[str]]]" = contextvars.ContextVar("custom_action_failed", default=None)

_original_run = RemoteAction.run
_original_handle_message = MessageProcessor.handle_message


async def _run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list:
    try:
        return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise                                              # a form's normal "not me" answer, not a failure
    except Exception:
        failed = _failed.get()
        if failed is not None:
            failed.append(self.name())
        raise


async def _handle_message(self: MessageProcessor, message: UserMessage) -> Optional[list]:
    failed: List[str] = []
    token = _failed.set(failed)
    try:
        result = await _original_handle_message(self, message)
    finally:
        _failed.reset(token)
    channel = message.output_channel
    if failed:
        tracker = await self.get_tracker(message.sender_id)
        apology = await self.nlg.generate(ERROR_RESPONSE, tracker, channel.name())
        if apology:
            tracker.update(create_bot_utterance(dict(apology)))
            await self.save_tracker(tracker)
            await channel.send_response(message.sender_id, apology)
        if isinstance(channel, CollectingOutputChannel):
            return channel.messages
    return result


PATCH = Patch("action_failure_apology", "rasa", "3.6.21",
              [(RemoteAction, "run", _run), (MessageProcessor, "handle_message", _handle_message)])
install = PATCH.install
