"""Action-server responses are checked against a schema compiled once, event by event.

Rasa's `_validate_action_result` calls `jsonschema.validate` on every action call: it builds a new
validator for the large response schema each time, uses the slowest draft (2020-12), and tries every one
of the 23 event branches of its `oneOf` for each event. Here the same schema is compiled once (Draft 7
covers every keyword it uses) and each event is checked against the branch of its own name only. A
response that this check does not accept goes to Rasa's own function, which raises Rasa's own error.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any, Dict, Optional, Text, Tuple

from jsonschema import Draft7Validator
from rasa.core.actions.action import RemoteAction

from server.patches.patch import Patch

_original = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def validators_by_event() -> Tuple[Optional[Draft7Validator], Dict[str, Draft7Validator]]:
    """The response schema without its per-event `oneOf`, and one validator per event name. The branches
    of that `oneOf` are told apart by a distinct `event` constant, so "exactly one branch matches" is "the
    branch of the event's name matches": checking that one instead of all of them gives the same verdict.
    (None, {}) when the schema is not of that shape: then Rasa's own check runs."""
    spec = copy.deepcopy(RemoteAction.action_response_format_spec())
    try:
        items = spec["properties"]["events"]["items"]
        branches = items.pop("oneOf")
        names = [b["properties"]["event"]["const"] for b in branches]
    except (KeyError, TypeError):
        return None, {}
    if len(set(names)) != len(names):
        return None, {}
    spec["properties"]["events"]["items"] = {}
    return Draft7Validator(spec), {n: Draft7Validator(dict(items, allOf=[b]))
                                   for n, b in zip(names, branches, strict=True)}


def valid_by_event(result: Any) -> bool:
    outer, by_event = validators_by_event()
    if outer is None or not outer.is_valid(result):
        return False
    for event in result.get("events") or ():
        check = by_event.get(event.get("event")) if isinstance(event, dict) and \
            isinstance(event.get("event"), str) else None
        if check is None or not check.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    return valid_by_event(result) or _original(self, result)


PATCH = Patch("action_response_schema", "rasa", "3.6.21",
              [(RemoteAction, "_validate_action_result", _validate_action_result)])
install = PATCH.install
