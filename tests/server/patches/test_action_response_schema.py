"""The compiled action-response validator accepts and rejects exactly what Rasa's own check does."""
import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from server.patches import action_response_schema as patch

VALID = {"events": [{"event": "slot", "name": "product", "value": "m365"}],
         "responses": [{"response": "utter_answer_phone", "numbers": ["1 800 865 9408"]}]}
INVALID = [{"events": "not a list"}, {"responses": [{"text": 5}], "events": [{"event": 7}]}]


@pytest.fixture(autouse=True, scope="module")
def installed():
    patch.install()
    try:
        yield
    finally:
        patch.PATCH.uninstall()


def test_installed_and_uninstalled():
    assert RemoteAction._validate_action_result is patch._validate_action_result
    patch.PATCH.uninstall()
    try:
        assert RemoteAction._validate_action_result is patch._original
    finally:
        patch.install()


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
            event.update(name=rng.choice(["utter_x", None]), policy=rng.choice([None, "p"]),
                         confidence=rng.choice([1.0, "x"]))
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
        assert patch.valid_by_event(response) is expected, response
        if expected:
            assert action._validate_action_result(response) is True
        else:
            with pytest.raises(ValidationError, match="Failed to validate Action server response"):
                action._validate_action_result(response)     # Rasa's own error, from Rasa's own function
    assert verdicts == {True, False}                      # both kinds were drawn


