"""The action-call payload carries the events of the recent user turns, not the whole conversation.

Rasa serialises every event of the conversation into each call to the action server, so the payload grows
with the conversation. Here the tracker handed to Rasa's own `_action_call_format` shows the events of the
last `core.history.ACTION_USER_TURNS` user turns; slots, the latest message, the active loop and every
other state field are unchanged. This project's actions read history only within that bound (see
core/history.py).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from core.history import ACTION_USER_TURNS
from server.patches.patch import Patch

_original = RemoteAction._action_call_format


def recent_events(events: List[Event], user_turns: int = ACTION_USER_TURNS) -> List[Event]:
    """The events from the `user_turns`-th last user message on (all of them if there are fewer turns)."""
    seen = 0
    for i in range(len(events) - 1, -1, -1):
        if isinstance(events[i], UserUttered):
            seen += 1
            if seen == user_turns:
                return events[i:]
    return events


class RecentView:
    """The tracker as `_action_call_format` reads it (its sender and its state), with recent events only."""

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self._tracker = tracker
        self.sender_id = tracker.sender_id

    def current_state(self, event_verbosity: EventVerbosity = EventVerbosity.NONE) -> Dict[Text, Any]:
        state = self._tracker.current_state(EventVerbosity.NONE)
        state["events"] = [e.as_dict() for e in recent_events(list(self._tracker.events))]
        return state


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Any) -> Dict[Text, Any]:
    return _original(self, RecentView(tracker), domain)


PATCH = Patch("action_payload", "rasa", "3.6.21", [(RemoteAction, "_action_call_format", _action_call_format)])
install = PATCH.install
