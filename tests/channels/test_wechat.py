"""WeChat helpers (UTF-8 splitting, CDATA escaping, numbered buttons, constant-time signatures, dedup), and
the channel in-process: verification, passive replies, retries, refusals."""
import asyncio
import time

import pytest
from wechatpy import parse_message

from channels.wechat import WeChatInput, cdata_safe, render_messages, said, signature, split_utf8, valid_signature
from server.stores.channel_state import LocalState

from .conftest import EchoAgent, serve


def test_split_at_2048_utf8_bytes_never_inside_a_character():
    text = ("世纪互联" * 300 + "\n") * 3
    pieces = split_utf8(text)
    assert all(len(p.encode("utf-8")) <= 2048 for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_cdata_terminator_is_escaped():
    assert "]]>" not in cdata_safe("a]]>b").replace("]]]]><![CDATA[>", "")


def test_buttons_are_numbered():
    text, payloads = render_messages([{"text": "Which product?",
                                       "buttons": [{"title": "M365", "payload": "/inform{}"}]}])
    assert "1. M365" in text and payloads == ["/inform{}"]


def test_signatures():
    s = signature("token", "1", "2")
    assert valid_signature(("token", "1", "2"), s) and not valid_signature(("token", "1", "2"), s[:-1] + "0")
    assert not valid_signature(("token", "1", "2"), None)


def test_dedup_the_first_request_claims_a_turn_and_a_retry_waits_for_its_result():
    async def run():
        state = LocalState()
        first, again = await state.claim("msg:1"), await state.claim("msg:1")
        waiter = asyncio.ensure_future(state.wait("msg:1", 1))
        await state.publish("msg:1", ("answer", ["more"]))
        return first, again, await waiter
    assert asyncio.run(run()) == (True, False, ("answer", ["more"]))


def test_a_slow_turn_replies_success_then_delivers_late_and_a_retry_gets_the_answer(monkeypatch):
    import channels.wechat as w
    from types import SimpleNamespace

    monkeypatch.setattr(w, "PASSIVE_DEADLINE", 0.2)
    channel = w.WeChatInput("token", "wxapp", "", "secret")
    sent = []

    async def fake_cs(openid, pieces):
        sent.append((openid, pieces))

    monkeypatch.setattr(channel, "_send_customer_service", fake_cs)
    turns = []

    async def slow_bot(message):
        turns.append(message.text)
        await asyncio.sleep(0.5)
        await message.output_channel.send_response(message.sender_id, {"text": "1 800 197 503"})

    msg = SimpleNamespace(type="text", source="openid-1", target="gh", id="42", content="AU number")

    async def scenario():
        first = await channel._handle(msg, slow_bot)          # too slow: no passive reply
        await asyncio.sleep(0.5)
        retry = await channel._handle(msg, slow_bot)          # WeChat's retry gets the finished answer
        await asyncio.sleep(0.05)
        return first, retry

    first, retry = asyncio.run(scenario())
    assert first is None and retry == "1 800 197 503"
    assert turns == ["AU number"]                              # one bot turn
    assert sent == [("openid-1", ["1 800 197 503"])]           # delivered once through the customer-service API


def test_secrets_come_from_the_environment_only(monkeypatch):
    import channels.wechat as w
    monkeypatch.setenv("WECHAT_TOKEN", "from-env")
    monkeypatch.delenv("WECHAT_ENCODING_AES_KEY", raising=False)
    monkeypatch.delenv("WECHAT_APP_SECRET", raising=False)
    channel = w.WeChatInput.from_credentials({"wechat_token": "from-file", "WECHAT_APP_SECRET": "leaked"})
    assert channel.token == "from-env" and channel.app_secret == ""


def test_redis_state_falls_back_to_memory_when_redis_is_down():
    from server.stores.channel_state import RedisState

    async def run():
        state = RedisState("redis://127.0.0.1:1/0")                  # nothing listens on port 1
        first, again = await state.claim("msg:9"), await state.claim("msg:9")
        await state.set_buttons("o1", ["/a"])
        await state.publish("msg:9", ("answer", []))
        return first, again, await state.wait("msg:9", 1), await state.buttons("o1")
    assert asyncio.run(run()) == (True, False, ("answer", []), ["/a"])


@pytest.mark.parametrize("several", ["SANIC_WORKERS", "ASSISTANT_SERVERS"],
                         ids=["workers of one server", "servers behind make run's front"])
def test_workers_on_one_machine_share_wechat_state_through_sqlite(tmp_path, monkeypatch, several):
    """With several Sanic workers and no Redis, a WeChat retry that reaches the other worker joins the first
    worker's turn (one claim, the same answer) and numbered buttons follow the user across workers."""
    from channels.wechat import channel_state
    from server.stores.channel_state import LocalState, SQLiteState

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("STATE_DB", str(tmp_path / "state.db"))
    monkeypatch.setenv("SANIC_WORKERS", "1")
    monkeypatch.setenv("ASSISTANT_SERVERS", "1")
    assert type(channel_state()) is LocalState
    monkeypatch.setenv(several, "2")

    async def run():
        a, b = channel_state(), channel_state()                    # two workers
        assert isinstance(a, SQLiteState)
        claims = [await a.claim("msg:1"), await b.claim("msg:1")]
        waiting = asyncio.ensure_future(b.wait("msg:1", 2))
        await asyncio.sleep(0.1)
        await a.publish("msg:1", ("the answer", ["more"]))
        await a.set_buttons("o1", ["/ask_phone", "/ask_hours"])
        buttons = await b.buttons("o1")
        await b.set_buttons("o1", [])
        return claims, await waiting, buttons, await a.buttons("o1")
    assert asyncio.run(run()) == ([True, False], ("the answer", ["more"]), ["/ask_phone", "/ask_hours"], [])


# ------------------------------------------------------------------------------------ the channel in-process

TOKEN = "in-process-token"


def signed(token=TOKEN, **extra):
    ts, nonce = str(int(time.time())), "n0nce"
    return dict(timestamp=ts, nonce=nonce, signature=signature(token, ts, nonce), **extra)


def text_xml(content, msg_id="1001", kind="text"):
    return (f"<xml><ToUserName><![CDATA[gh_bot]]></ToUserName><FromUserName><![CDATA[openid_1]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><PicUrl><![CDATA[http://x/y.png]]></PicUrl>"
            f"<MediaId><![CDATA[m]]></MediaId><MsgId>{msg_id}</MsgId></xml>").encode()


def run(channel, agent, *requests):
    async def go():
        async with serve(channel, agent) as client:
            return [await client.request(method, "/webhooks/wechat/webhook", params=params, content=body)
                    for method, params, body in requests]
    return asyncio.run(go())


@pytest.mark.parametrize("token,request_of,status", [     # signed when the test runs: timestamps expire
    (TOKEN, lambda: signed(echostr="hello-wechat"), 200),
    (TOKEN, lambda: signed(token="someone-else", echostr="hello-wechat"), 403),
    (TOKEN, lambda: dict(signed(echostr="hello-wechat"), timestamp="1"), 403),
    ("", lambda: signed(echostr="hello-wechat"), 503),
], ids=["signed", "another token", "old timestamp", "no token configured"])
def test_the_server_verification(token, request_of, status):
    [r] = run(WeChatInput(token), EchoAgent(), ("GET", request_of(), None))
    assert r.status_code == status and (r.text == "hello-wechat") is (status == 200)


def test_a_text_message_gets_a_passive_reply_and_a_retry_no_second_turn():
    agent = EchoAgent()
    first, retry = run(WeChatInput(TOKEN), agent, ("POST", signed(), text_xml("UK number")),
                       ("POST", signed(), text_xml("UK number")))
    replies = [parse_message(r.content) for r in (first, retry)]
    assert [(m.type, m.content, m.source, m.target) for m in replies] == \
        [("text", "echo UK number", "gh_bot", "openid_1")] * 2
    assert [m.text for m in agent.messages] == ["UK number"]
    assert agent.messages[0].sender_id == "wechat-openid_1" and agent.messages[0].input_channel == "wechat"


def test_other_messages_get_the_channels_own_answer_and_reach_no_one():
    agent = EchoAgent()
    [image] = run(WeChatInput(TOKEN), agent, ("POST", signed(), text_xml("", kind="image")))
    assert parse_message(image.content).content == said("channel_text_only") and agent.messages == []


def test_doctype_declarations_are_refused_before_parsing():
    agent = EchoAgent()
    [r] = run(WeChatInput(TOKEN), agent,
              ("POST", signed(), b'<!DOCTYPE x [<!ENTITY e "boom">]>' + text_xml("&e;")))
    assert r.status_code == 400 and agent.messages == []


# ------------------------------------------------------------------ claims that outlive their process by seconds
def shared_home(home, tmp_path, redis_url):
    from server.stores.channel_state import RedisState, SQLiteState
    return (lambda: SQLiteState(str(tmp_path / "state.db"))) if home == "sqlite" else (lambda: RedisState(redis_url))


@pytest.fixture
def short_claims(monkeypatch):
    from server.stores.channel_state import SharedState
    monkeypatch.setattr(SharedState, "CLAIM_TTL", 0.3)


@pytest.mark.parametrize("home", ["sqlite", "redis"])
def test_a_claim_is_renewed_while_its_turn_runs_and_kept_once_answered(home, tmp_path, redis_url, short_claims):
    new = shared_home(home, tmp_path, redis_url)
    key = f"msg:renew-{home}"

    async def go():
        a, b = new(), new()
        claims = [await a.claim(key)]
        await asyncio.sleep(1.0)                                    # three claim lifetimes: renewed meanwhile
        claims.append(await b.claim(key))
        await a.publish(key, ("the answer", []))
        await asyncio.sleep(0.7)                                    # answered: no longer renewed, still held
        claims.append(await b.claim(key))
        return claims, await b.wait(key, 1), a._renewals
    claims, result, renewals = asyncio.run(go())
    assert claims == [True, False, False] and result == ("the answer", []) and renewals == {}


@pytest.mark.parametrize("home", ["sqlite", "redis"])
def test_the_claim_of_a_process_that_died_runs_out_within_seconds(home, tmp_path, redis_url, short_claims):
    from server.stores.channel_state import ClaimLost
    new = shared_home(home, tmp_path, redis_url)
    key = f"msg:died-{home}"

    async def go():
        dying, other = new(), new()
        assert await dying.claim(key)
        for task in list(dying._renewals.values()):
            task.cancel()                                           # the process dies: nobody renews its claim
        t0 = time.monotonic()
        with pytest.raises(ClaimLost):                               # a retry waiting for it learns so
            await other.wait(key, 3)
        lost_after = time.monotonic() - t0
        return lost_after, await other.claim(key)
    lost_after, reclaimed = asyncio.run(go())
    assert lost_after < 1.5 and reclaimed


class DyingAgent:
    """A turn that never finishes: the process running it is about to die."""

    async def handle_message(self, message):
        await asyncio.Event().wait()


@pytest.mark.parametrize("home", ["sqlite", "redis"])
def test_a_retry_answers_a_message_whose_first_process_died(home, tmp_path, redis_url, short_claims):
    """WeChat's retry of a message reaches another process while the first one's claim still holds; the
    first process has died, so its claim runs out, and the retry runs the turn and answers in time."""
    new = shared_home(home, tmp_path, redis_url)
    dying, survivor, echo = WeChatInput(TOKEN), WeChatInput(TOKEN), EchoAgent()
    dying.state, survivor.state = new(), new()

    async def go():
        async with serve(dying, DyingAgent()) as a, serve(survivor, echo) as b:
            first = asyncio.create_task(a.post("/webhooks/wechat/webhook", params=signed(),
                                               content=text_xml("UK number", msg_id="4242")))
            await asyncio.sleep(0.2)
            for task in list(dying.state._renewals.values()):
                task.cancel()
            t0 = time.monotonic()
            retry = await b.post("/webhooks/wechat/webhook", params=signed(),
                                 content=text_xml("UK number", msg_id="4242"))
            took = time.monotonic() - t0
            first.cancel()
            return retry, took
    retry, took = asyncio.run(go())
    assert parse_message(retry.content).content == "echo UK number" and took < 4.5
    assert [m.text for m in echo.messages] == ["UK number"]


class StoreDownOnceAgent(EchoAgent):
    """The conversation store cannot be reached for the first try of a message, then it can."""

    def __init__(self):
        super().__init__()
        self.failures = 1

    async def handle_message(self, message):
        if self.failures:
            self.failures -= 1
            from server.stores import StoreUnavailable
            raise StoreUnavailable("tracker store read failed")
        await super().handle_message(message)


@pytest.mark.parametrize("state", ["local", "shared"])
def test_a_turn_that_could_not_be_stored_gets_no_reply_and_the_retry_runs_it(state, tmp_path):
    from server.stores.channel_state import SQLiteState
    channel, agent = WeChatInput(TOKEN), StoreDownOnceAgent()
    if state == "shared":
        channel.state = SQLiteState(str(tmp_path / "state.db"))
    first, retry = run(channel, agent, ("POST", signed(), text_xml("UK number", msg_id="5151")),
                       ("POST", signed(), text_xml("UK number", msg_id="5151")))
    assert first.status_code == 503 and b"UK number" not in first.content       # no passive reply: WeChat retries
    assert parse_message(retry.content).content == "echo UK number"
    assert [m.text for m in agent.messages] == ["UK number"]                     # one stored turn
