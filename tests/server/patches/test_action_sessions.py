"""The action-call payload written by orjson reads back as json.dumps's does."""
import json

import numpy as np
import pytest

from server.patches import action_sessions as patch


@pytest.mark.parametrize("value", [
    {"tracker": {"latest_message": {"text": "世纪互联的电话", "intent": {"confidence": 0.97}},
                 "events": [None, 1.5e-7]}},
    {1: "a key that is no string"}, {"big": 2 ** 70},
])
def test_the_payload_json_reads_back_as_json_dumps_reads(value):
    assert json.loads(patch.json_dumps(value)) == json.loads(json.dumps(value))
    assert json.loads(patch.json_dumps({"c": np.float32(0.5)})) == {"c": 0.5}
    assert json.loads(patch.json_dumps([float("inf")])) == [None]     # the one difference: standard JSON


def test_one_kept_session_per_endpoint_and_loop():
    import asyncio
    from rasa.utils.endpoints import EndpointConfig

    async def sessions():
        a, b = EndpointConfig("http://127.0.0.1:1/webhook"), EndpointConfig("http://127.0.0.1:2/webhook")
        async with a.session() as s1, a.session() as s2, b.session() as s3:
            same, other = s1 is s2, s1 is not s3
        open_after = not s1.closed
        closed = await patch.close_all()                 # what the server does when it stops
        return same, other, open_after, closed, s1.closed and s3.closed, await patch.close_all()

    patch.install()
    try:
        assert asyncio.run(sessions()) == (True, True, True, 2, True, 0)
    finally:
        patch.PATCH.uninstall()
