"""Response generation in the user's language.

A response variation is chosen by its `condition` on the `language` slot. Slots set by a custom action only
reach the tracker after that action's messages were generated, so instead of a slot the NLG computes the
language itself for every message (core.language.effective_language: channel metadata, explicit
switch, script of the message). Configured in endpoints.yml as `nlg: type: server.nlg.LanguageAwareNLG`.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from core.language import effective_language


def tracker_language(tracker: DialogueStateTracker) -> str:
    latest = tracker.latest_message
    texts = (e.text for e in reversed(tracker.events) if isinstance(e, UserUttered) and e.text)
    return effective_language(latest.metadata if latest else None, tracker.get_slot("language_pref"), texts)


class LanguageAwareNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[Any] = None, domain: Optional[Any] = None) -> None:
        super().__init__(domain.responses if domain is not None else {})

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        slots = tracker.current_slot_values()
        slots["language"] = kwargs.pop("language", None) or tracker_language(tracker)
        message = self.generate_from_slots(utter_action, slots, output_channel, **kwargs)
        if message and message.get("text"):
            message["text"] = message["text"].rstrip()     # a template's empty last line (no source to repeat)
        return message
