"""Calls to the action server reuse kept-alive HTTP sessions and serialise with orjson.

Rasa's `EndpointConfig.session` opens a new aiohttp session, so a new connection, for every call and
closes it afterwards. Here one session is kept per endpoint (url, headers, auth) and event loop, with
keep-alive, and it writes the payload with orjson (the same JSON values, faster on large event lists).
They are closed when the server stops (server/patches/lifecycle.py).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Tuple

import aiohttp
import orjson
from rasa.utils import endpoints

from server.patches.patch import Patch


class KeptSession:
    """`async with` over a long-lived session: entering returns it, leaving keeps it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> bool:
        return False


_sessions: Dict[Tuple, aiohttp.ClientSession] = {}


def json_dumps(obj: Any) -> str:
    """The payload as JSON with orjson; whatever orjson refuses (an integer beyond 64 bits) goes through
    json.dumps as before. One difference: a float that is not finite (no tracker holds one) is written as
    null, as standard JSON has no Infinity."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return json.dumps(obj)


async def close_all() -> int:
    """Close the sessions of the running event loop (a stopping server's); returns how many were open."""
    loop = id(asyncio.get_running_loop())
    mine = [key for key in _sessions if key[-1] == loop]
    for key in mine:
        await _sessions.pop(key).close()
    return len(mine)


def _session(self: endpoints.EndpointConfig) -> KeptSession:
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    key = (self.url, tuple(sorted((self.headers or {}).items())), auth, id(asyncio.get_running_loop()))
    session = _sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(headers=self.headers, auth=auth, json_serialize=json_dumps,
                                        timeout=aiohttp.ClientTimeout(total=endpoints.DEFAULT_REQUEST_TIMEOUT),
                                        connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=30))
        _sessions[key] = session
    return KeptSession(session)


PATCH = Patch("action_sessions", "rasa", "3.6.21", [(endpoints.EndpointConfig, "session", _session)])
install = PATCH.install
