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
