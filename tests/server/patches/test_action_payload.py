"""Action calls carry the events of the last user turns (core.history.ACTION_USER_TURNS) and every other
part of the payload exactly as Rasa builds it."""
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from core.history import ACTION_USER_TURNS
from server.patches import action_payload as patch

DOMAIN = Domain.from_yaml("version: '3.1'\nintents: [greet]\nslots:\n  product:\n    type: any\n"
                          "    mappings: [{type: custom}]")


def conversation(turns):
    events = [ActionExecuted("action_listen")]
    for i in range(turns):
        events += [UserUttered(f"message {i}", {"name": "greet", "confidence": 1.0}), SlotSet("product", f"p{i}"),
                   ActionExecuted("utter_greet"), BotUttered(f"answer {i}"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("u", events, DOMAIN.slots)


@pytest.mark.parametrize("turns", [0, 1, ACTION_USER_TURNS - 1, ACTION_USER_TURNS, ACTION_USER_TURNS + 1, 20])
def test_the_payload_is_rasas_with_the_recent_events(turns):
    tracker = conversation(turns)
    action = RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))
    rasas = action._action_call_format(tracker, DOMAIN)
    patch.install()
    try:
        ours = action._action_call_format(tracker, DOMAIN)
    finally:
        patch.PATCH.uninstall()
    kept = min(turns, ACTION_USER_TURNS)
    assert [e["text"] for e in ours["tracker"]["events"] if e["event"] == "user"] == \
        [f"message {i}" for i in range(turns - kept, turns)]
    assert ours["tracker"]["events"] == rasas["tracker"]["events"][-len(ours["tracker"]["events"]):]
    if turns < ACTION_USER_TURNS:
        assert ours["tracker"]["events"] == rasas["tracker"]["events"]
    assert {k: v for k, v in ours["tracker"].items() if k != "events"} == \
        {k: v for k, v in rasas["tracker"].items() if k != "events"}
    assert {k: v for k, v in ours.items() if k != "tracker"} == {k: v for k, v in rasas.items() if k != "tracker"}
    assert rasas["tracker"] == tracker.current_state(EventVerbosity.ALL)       # the comparison is with Rasa's
