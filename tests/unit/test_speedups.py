"""The compiled action-response validator accepts and rejects exactly what Rasa's own check does."""
import pytest
from jsonschema import ValidationError, validate

import components.speedups as speedups
from rasa.core.actions.action import RemoteAction

VALID = {"events": [{"event": "slot", "name": "product", "value": "m365"}],
         "responses": [{"response": "utter_answer_phone", "numbers": ["1 800 865 9408"]}]}
INVALID = [{"events": "not a list"}, {"responses": [{"text": 5}], "events": [{"event": 7}]}]


def test_installed_on_import():
    assert RemoteAction._validate_action_result is speedups._validate_action_result


def test_same_verdicts_as_jsonschema_validate():
    spec = RemoteAction.action_response_format_spec()
    action = RemoteAction.__new__(RemoteAction)
    assert action._validate_action_result(VALID) is True
    validate(VALID, spec)
    for bad in INVALID:
        with pytest.raises(ValidationError):
            validate(bad, spec)
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(bad)


def test_action_calls_carry_the_recent_turns_and_the_same_state():
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
    from rasa.utils.endpoints import EndpointConfig

    domain = Domain.from_yaml("version: '3.1'\nintents: [greet]\nslots:\n  product:\n    type: any\n    mappings: [{type: custom}]")
    events = [ActionExecuted("action_listen")]
    for i in range(20):
        events += [UserUttered(f"message {i}", {"name": "greet", "confidence": 1.0}), SlotSet("product", f"p{i}"),
                   ActionExecuted("utter_greet"), BotUttered(f"answer {i}"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("u", events, domain.slots)
    action = RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))
    payload = action._action_call_format(tracker, domain)
    full = tracker.current_state(EventVerbosity.ALL)
    sent = payload["tracker"]
    assert [e["text"] for e in sent["events"] if e["event"] == "user"] == [f"message {i}" for i in range(12, 20)]
    assert sent["events"] == full["events"][-len(sent["events"]):]
    assert {k: v for k, v in sent.items() if k != "events"} == {k: v for k, v in full.items() if k != "events"}
    assert payload["next_action"] == "action_answer" and payload["sender_id"] == "u"
    short = DialogueStateTracker.from_events("v", events[:6], domain.slots)
    assert action._action_call_format(short, domain)["tracker"]["events"] == short.current_state(EventVerbosity.ALL)["events"]
