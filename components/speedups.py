"""Performance fixes for Rasa 3.6.21, applied when the Rasa server loads this project's components.

Profiling the server under load (py-spy, see docs/performance.md) showed about half of its busy CPU in
`jsonschema.validate`, called on every action-server response: it re-checks the (large) response schema,
builds a fresh validator and, the schema having no `$schema`, uses the slowest draft (2020-12) each time.
Here the same schema is compiled once (Draft 7, which covers every keyword it uses) and reused; an invalid
response raises the same `ValidationError` with the same message as before.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import Draft7Validator, ValidationError
from rasa.core.actions import action as _action

_original = _action.RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def response_validator() -> Draft7Validator:
    return Draft7Validator(_action.RemoteAction.action_response_format_spec())


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    try:
        response_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (". Failed to validate Action server response from API, make sure your response from the "
                      f"Action endpoint is valid. For more information about the format visit "
                      f"{_action.DOCS_BASE_URL}/custom-actions")
        raise e


def install() -> None:
    _action.RemoteAction._validate_action_result = _validate_action_result


install()
