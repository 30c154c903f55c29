"""Performance fixes for Rasa 3.6.21, applied when the Rasa server loads this project's components.

Found by profiling the server under load (py-spy; docs/performance.md). Each keeps Rasa's behaviour:

1. Action responses: `jsonschema.validate` re-checked the large response schema, built a new validator and
   used the slowest draft (2020-12) on every action call (about half the server's busy CPU). The same schema
   is now compiled once (Draft 7 covers every keyword it uses); invalid responses raise the same error.
2. Event classes: `Event.resolve_by_type` walked the whole Event class hierarchy for every event read back
   from the tracker store (15% of busy CPU). The name -> class table is now built once per process (and
   rebuilt if an unknown name appears, e.g. a class defined later).
3. Action-server HTTP: `EndpointConfig.request` opened and closed an aiohttp session, so a new connection,
   per call. Sessions are now kept per endpoint (url, headers, auth) and event loop, with keep-alive.
"""
from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any, Dict, Optional, Text, Tuple, Type

import aiohttp
from jsonschema import Draft7Validator, ValidationError
from rasa.core.actions import action as _action
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils import endpoints as _endpoints

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


_event_types: Dict[str, Type[Event]] = {}
_original_resolve = Event.resolve_by_type


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    cls = _event_types.get(type_name)
    if cls is None:
        _event_types.update({c.type_name: c for c in all_subclasses(Event) if getattr(c, "type_name", None)})
        cls = _event_types.get(type_name)
    if cls is not None:
        return cls
    return _original_resolve(type_name, default)        # Rasa's own handling of legacy / unknown names


class _KeptSession:
    """`async with` over a long-lived session: entering returns it, leaving keeps it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> bool:
        return False


_sessions: Dict[Tuple, aiohttp.ClientSession] = {}


def _session(self: _endpoints.EndpointConfig) -> _KeptSession:
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    key = (self.url, tuple(sorted((self.headers or {}).items())), auth, id(asyncio.get_running_loop()))
    session = _sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(headers=self.headers, auth=auth,
                                        timeout=aiohttp.ClientTimeout(total=_endpoints.DEFAULT_REQUEST_TIMEOUT),
                                        connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=30))
        _sessions[key] = session
    return _KeptSession(session)


def install() -> None:
    _action.RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    _endpoints.EndpointConfig.session = _session


install()
