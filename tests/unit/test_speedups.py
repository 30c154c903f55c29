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


def _random_response(rng):
    """An action response, valid or broken in one of the ways a server could break it."""
    kinds = ["slot", "user", "bot", "action", "active_loop", "followup", "reset_slots", "restart", "form",
             "session_started", "reminder", "nonsense"]
    events = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.choice(kinds)
        event = {"event": kind, "timestamp": rng.choice([None, 1.5, "late"])}
        if kind == "slot":
            event.update(name=rng.choice(["topic", 5]), value=rng.choice([None, "phone", 0.0, [1]]))
        elif kind in ("user", "bot"):
            event.update(text=rng.choice(["hi", None, 3]))
        elif kind == "action":
            event.update(name=rng.choice(["utter_x", None]), policy=rng.choice([None, "p"]), confidence=rng.choice([1.0, "x"]))
        elif kind == "active_loop":
            event.update(name=rng.choice(["route_form", None, 2]))
        elif kind == "followup":
            event.update(name=rng.choice(["action_x", 4]))
        events.append(rng.choice([event, event, event, "not an event", {"no": "event"}]))
    responses = [rng.choice([{"response": "utter_answer_phone", "numbers": ["1"]}, {"text": rng.choice(["a", 5])},
                             {"buttons": rng.choice([[], "x"])}]) for _ in range(rng.randint(0, 3))]
    return rng.choice([{"events": events, "responses": responses}, {"events": events}, {"responses": responses},
                       {"events": "x"}])


def test_the_per_event_check_gives_jsonschemas_verdict_on_300_random_responses():
    import random
    spec = RemoteAction.action_response_format_spec()
    action = RemoteAction.__new__(RemoteAction)
    rng = random.Random(7)
    verdicts = set()
    for _ in range(300):
        response = _random_response(rng)
        try:
            validate(response, spec)
            expected = True
        except ValidationError:
            expected = False
        verdicts.add(expected)
        assert speedups._valid_by_event(response) is expected, response
        if expected:
            assert action._validate_action_result(response) is True
        else:
            with pytest.raises(ValidationError):
                action._validate_action_result(response)
    assert verdicts == {True, False}                      # both kinds were drawn


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


@pytest.mark.parametrize("value", [
    {"tracker": {"latest_message": {"text": "世纪互联的电话", "intent": {"confidence": 0.97}}, "events": [None, 1.5e-7]}},
    {1: "a key that is no string"}, {"big": 2 ** 70},
])
def test_the_payload_json_reads_back_as_json_dumps_reads(value):
    import json
    import numpy as np
    assert json.loads(speedups.json_dumps(value)) == json.loads(json.dumps(value))
    assert json.loads(speedups.json_dumps({"c": np.float32(0.5)})) == {"c": 0.5}
    assert json.loads(speedups.json_dumps([float("inf")])) == [None]     # the one difference: standard JSON


def random_conversation(rng, domain):
    """Events as a live conversation could hold them: listens, messages with intents and entities, slot
    events, the form's activation and happy-path runs, rejections, reverts, restarts and new sessions."""
    from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActionReverted, ActiveLoop,
                                         BotUttered, LoopInterrupted, Restarted, SessionStarted, SlotSet,
                                         UserUttered, UserUtteranceReverted)
    intents = ["ask_phone", "ask_hours", "greet", "inform", "deny", "affirm", "out_of_scope", "nlu_fallback"]
    slots = ["product", "country", "cloud", "requested_slot", "topic", "language"]
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for _ in range(rng.randint(1, 40)):
        intent = rng.choice(intents)
        entities = [{"entity": "product", "value": "m365", "start": 0, "end": 3}] if rng.random() < 0.4 else []
        events.append(UserUttered(f"text {rng.random()}", {"name": intent, "confidence": 0.9}, entities))
        for _ in range(rng.randint(0, 6)):
            kind = rng.random()
            if kind < 0.25:
                events.append(SlotSet(rng.choice(slots), rng.choice([None, "m365", "uk", "phone", "product"])))
            elif kind < 0.45:
                events.append(ActionExecuted("route_form"))
                if rng.random() < 0.5:
                    events.append(ActiveLoop(rng.choice(["route_form", None])))
            elif kind < 0.55:
                events.append(ActionExecutionRejected("route_form"))
            elif kind < 0.7:
                events += [ActionExecuted(rng.choice(["action_answer", "utter_greet", "action_ask_product"])),
                           BotUttered("reply")]
            elif kind < 0.75:
                events.append(LoopInterrupted(True))
            elif kind < 0.8:
                events.append(rng.choice([UserUtteranceReverted(), ActionReverted()]))
            elif kind < 0.82:
                events.append(rng.choice([Restarted(), SessionStarted()]))
        events.append(ActionExecuted("action_listen"))
    return events


def test_rule_states_of_the_last_turns_match_rasa_and_select_the_same_rules(tmp_path):
    """tail_states equals the tail of Rasa's own states for 300 random conversations (and all their
    prefixes ending in an action), and the patched RulePolicy finds the same applicable rules as Rasa's for
    rules of up to 4 turns built from those very conversations."""
    import random
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from tests.conftest import ROOT

    domain = Domain.load(str(ROOT / "domain.yml"))
    rng = random.Random(7)
    conversations = [random_conversation(rng, domain) for _ in range(300)]
    rule_keys = {}
    policy = RulePolicy.create(RulePolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("rules"),
                               ExecutionContext(GraphSchema({}), "test"))
    checked = 0
    for events in conversations:
        tracker = DialogueStateTracker.from_events("s", events, domain.slots)
        full = domain.states_for_tracker_history(tracker)
        for last in (1, 2, 4, 7):
            assert speedups.tail_states(tracker, domain, last) == full[-last:]
        for length in range(1, 5):                      # rules shaped like real ones: slices of real states
            if len(full) >= length:
                start = rng.randrange(len(full) - length + 1)
                rule_keys[policy._create_feature_key(full[start:start + length])] = "some_action"
        checked += 1
    policy.lookup = {RULES: rule_keys, RULES_FOR_LOOP_UNHAPPY_PATH: {}}
    matched = 0
    for events in conversations:
        tracker = DialogueStateTracker.from_events("s", events, domain.slots)
        for use_text in (True, False):
            ours = policy._prediction_states(tracker, domain, use_text)
            rasas = speedups._original_prediction_states(policy, tracker, domain, use_text)
            assert ours == rasas[-len(ours):] and len(ours) <= speedups.longest_rule(policy) <= 4
            keys = policy._get_possible_keys(rule_keys, ours)
            assert keys == policy._get_possible_keys(rule_keys, rasas)
            matched += bool(keys)
    assert checked == 300 and matched > 50                # the comparison covered rules that apply
