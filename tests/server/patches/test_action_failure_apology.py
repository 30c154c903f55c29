"""A turn whose custom action could not be called ends with one stored `utter_error`; a form's normal
rejection is not a failure; a turn without failures is Rasa's own."""
import asyncio

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered

from server.patches import action_failure_apology as patch


class FakeNLG:
    async def generate(self, name, tracker, channel):
        return {"text": f"<{name}>"}


class FakeTracker:
    def __init__(self):
        self.events = []

    def update(self, event):
        self.events.append(event)


class FakeProcessor:
    """Just what the wrapper touches: handle_message (Rasa's, replaced per test), the tracker and the NLG."""

    def __init__(self):
        self.nlg, self.tracker, self.saved = FakeNLG(), FakeTracker(), 0

    async def get_tracker(self, sender):
        return self.tracker

    async def save_tracker(self, tracker):
        self.saved += 1


@pytest.fixture
def run_turn(monkeypatch):
    def run(action_error):
        async def original_run(self, *args):
            if action_error:
                raise action_error
            return []

        async def original_handle(self, message):
            try:
                await RemoteAction.run(RemoteAction("action_answer", None), message.output_channel, None, None, None)
            except Exception:  # noqa: BLE001 - Rasa's processor logs and carries on
                pass
            return ["rasa's own result"]

        monkeypatch.setattr(patch, "_original_run", original_run)
        monkeypatch.setattr(patch, "_original_handle_message", original_handle)
        processor, channel = FakeProcessor(), CollectingOutputChannel()
        patch.install()
        try:
            result = asyncio.run(MessageProcessor.handle_message(processor, UserMessage("hi", channel, "u")))
        finally:
            patch.PATCH.uninstall()
        return result, processor, channel
    return run


def test_a_failed_call_ends_with_one_stored_apology(run_turn):
    result, processor, channel = run_turn(ConnectionError("action server down"))
    assert [m.get("text") for m in channel.messages] == ["<utter_error>"]
    assert result == channel.messages
    assert [type(e) for e in processor.tracker.events] == [BotUttered] and processor.saved == 1


@pytest.mark.parametrize("error", [None, ActionExecutionRejection("route_form")])
def test_no_apology_without_a_failure(run_turn, error):
    result, processor, channel = run_turn(error)
    assert result == ["rasa's own result"] and channel.messages == [] and processor.saved == 0
