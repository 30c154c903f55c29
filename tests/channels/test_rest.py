"""The REST channel in-process: bad input gets its status and a reason (never a trace), text and metadata
are cleaned before Rasa sees them, the sender budget answers 429, a failed turn 500, and a retried
`message_id` is answered from the stored conversation without a second turn."""
import asyncio
import json

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from channels.limits import MAX_MESSAGE_CHARS
from server.stores.sender_budget import SenderBudget
from channels.rest import MAX_BODY, RestInput

from .conftest import EchoAgent, serve

URL = "/webhooks/rest/webhook"


def post(body, agent=None, channel=None, raw=None):
    async def go():
        async with serve(channel or RestInput(), agent or EchoAgent()) as client:
            r = await client.post(URL, content=raw if raw is not None else json.dumps(body).encode())
            return r.status_code, r.json()
    return asyncio.run(go())


@pytest.mark.parametrize("raw,status,reason", [
    (b"not json", 400, "not valid UTF-8 JSON"),
    (b"\xff\xfe", 400, "not valid UTF-8 JSON"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b'{"message": "hi"}', 400, "sender must be a string"),
    (b'{"sender": "a b", "message": "hi"}', 400, "sender must be 1-"),
    (b'{"sender": "u", "message": 5}', 400, "message"),
    (b'{"sender": "u", "message": "   "}', 400, "empty"),
    (json.dumps({"sender": "u", "message": "x" * (MAX_MESSAGE_CHARS + 1)}).encode(), 413, str(MAX_MESSAGE_CHARS)),
    (b'{"sender": "u", "message": "hi", "message_id": "has space"}', 400, "message_id must be"),
    (b'{"sender": "u", "message": "' + b"x" * MAX_BODY + b'"}', 413, f"larger than {MAX_BODY} bytes"),
])
def test_bad_input_is_refused_with_its_reason(raw, status, reason):
    agent = EchoAgent()
    got_status, body = post(None, agent, raw=raw)
    assert (got_status, list(body)) == (status, ["error"]) and reason in body["error"], body
    assert agent.messages == []                                  # nothing reached Rasa


def test_text_and_metadata_are_cleaned_before_rasa_sees_them():
    agent = EchoAgent()
    status, body = post({"sender": "u-1", "message": "UK\u200b number\x07 pls",
                         "metadata": {"language": "zh-CN", "timezone": "Asia/Shanghai", "secret": "x"}}, agent)
    assert status == 200 and body == [{"recipient_id": "u-1", "text": "echo UK number pls"}]
    message = agent.messages[0]
    assert (message.text, message.metadata, message.input_channel) == \
        ("UK number pls", {"language": "zh", "timezone": "Asia/Shanghai"}, "rest")


def test_a_sender_over_its_budget_gets_429_and_others_do_not():
    async def go():
        channel = RestInput()
        channel.budget = SenderBudget(burst=2, per_minute=1)
        async with serve(channel, EchoAgent()) as client:
            statuses = [(await client.post(URL, json={"sender": "fast", "message": f"m{i}"})).status_code
                        for i in range(3)]
            other = (await client.post(URL, json={"sender": "calm", "message": "hi"})).status_code
            return statuses, other
    assert asyncio.run(go()) == ([200, 200, 429], 200)


class FailingAgent(EchoAgent):
    async def handle_message(self, message):
        raise RuntimeError("the secret internals of the failure")


def test_a_failed_turn_is_a_500_without_internals():
    status, body = post({"sender": "u", "message": "hi"}, FailingAgent())
    assert status == 500 and "internals" not in json.dumps(body) and list(body) == ["error"]


class StoringAgent:
    """What `_handle_once` uses of Rasa's agent: a lock store, a tracker store, and a processor that stores
    the turn (the user message with its id, then the answer) and sends the answer."""

    def __init__(self):
        self.lock_store = InMemoryLockStore()
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.processor = self
        self.turns = 0

    async def handle_message(self, message: UserMessage) -> None:
        self.turns += 1
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        answer = f"answer {self.turns} to {message.text}"
        tracker.update(UserUttered(message.text, message_id=message.message_id))
        tracker.update(BotUttered(answer, {"buttons": [{"title": "t", "payload": "/p"}]}))
        await self.tracker_store.save(tracker)
        await message.output_channel.send_text_with_buttons(message.sender_id, answer,
                                                            [{"title": "t", "payload": "/p"}])


def test_a_retried_message_id_gets_the_stored_answers_and_no_second_turn():
    async def go():
        agent = StoringAgent()
        async with serve(RestInput(), agent) as client:
            body = {"sender": "u", "message": "UK number", "message_id": "m-1"}
            first = (await client.post(URL, json=body)).json()
            again = (await client.post(URL, json=body)).json()
            other = (await client.post(URL, json=dict(body, message_id="m-2"))).json()
            return agent.turns, first, again, other
    turns, first, again, other = asyncio.run(go())
    assert turns == 2 and first == again
    assert first[0]["text"] == "answer 1 to UK number" and first[0]["buttons"] == [{"title": "t", "payload": "/p"}]
    assert other[0]["text"] == "answer 2 to UK number"


def test_the_health_route():
    async def go():
        async with serve(RestInput(), EchoAgent()) as client:
            r = await client.get("/webhooks/rest/")
            return r.status_code, r.json()
    assert asyncio.run(go()) == (200, {"status": "ok"})


class StoreDownAgent(StoringAgent):
    """The store cannot be read: the retried-message check and the turn both meet it."""

    def __init__(self):
        super().__init__()

        async def down(*_):
            from server.stores import StoreUnavailable
            raise StoreUnavailable("tracker store read failed")
        self.tracker_store.retrieve = down


@pytest.mark.parametrize("message_id", [None, "m-1"])
def test_an_unreachable_store_is_a_503_the_client_can_retry(message_id):
    async def go():
        agent = StoreDownAgent()
        async with serve(RestInput(), agent) as client:
            body = {"sender": "u", "message": "hi", **({"message_id": message_id} if message_id else {})}
            r = await client.post(URL, json=body)
            return r.status_code, r.headers.get("retry-after"), r.json(), agent.turns
    status, retry_after, body, turns = asyncio.run(go())
    assert status == 503 and int(retry_after) >= 1 and list(body) == ["error"] and "again" in body["error"]
    assert turns == (1 if message_id is None else 0)               # nothing was answered without its record
