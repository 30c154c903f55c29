"""`make run`'s front (scripts/front.py), in-process: two recording backends and the front on loopback, real
HTTP and websockets between them. The same front against the real assistant and real socket.io clients is in
tests/bot/test_socketio_clients.py."""
from __future__ import annotations

import asyncio
import gzip
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from scripts.front import Front, owner_of, sid_prefix


@pytest.mark.parametrize("sid, backends, owner", [
    (sid_prefix(0) + "AbC-_x", 2, 0),
    (sid_prefix(1) + "AbC-_x", 2, 1),
    (sid_prefix(2) + "AbC-_x", 2, None),       # a server that does not exist
    ("AbC-_x", 2, None),                       # issued by nobody of ours
    ("x.AbC", 2, None),
    (".AbC", 2, None),
    ("00001.AbC", 2, None),                    # too long a prefix
    (sid_prefix(11) + "z", 12, 11),
])
def test_the_owner_is_read_from_the_session_id(sid, backends, owner):
    assert owner_of(sid, backends) == owner


def backend_app(index: int, seen: list) -> web.Application:
    """A stand-in Rasa server: says who it is, echoes what it got, and a websocket that echoes with its index."""
    async def echo(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen.append((index, request.method, request.path_qs, dict(request.headers), body))
        if request.path == "/gzip":
            return web.Response(body=gzip.compress(b"zipped"), headers={"Content-Encoding": "gzip"})
        response = web.json_response({"backend": index, "body": body.decode(), "host": request.host,
                                      "xff": request.headers.get("X-Forwarded-For"),
                                      "hop": request.headers.get("Proxy-Authorization")},
                                     status=201 if request.method == "POST" else 200)
        response.headers.add("Set-Cookie", "a=1")
        response.headers.add("Set-Cookie", "b=2")
        return response

    async def socket(request: web.Request) -> web.StreamResponse:
        if request.query.get("refuse"):
            return web.Response(status=400, text="unknown session")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        seen.append((index, "WS", request.path_qs, dict(request.headers), b""))
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str(f"{index}:{message.data}")
            elif message.type == aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(bytes([index]) + message.data)
        return ws

    app = web.Application()
    app.router.add_get("/socket.io/ws", socket)
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


@asynccontextmanager
async def running(backends: int = 2, dead: int = 0):
    """(front URL, the list each backend appends what it got to, the Front); `dead` more backends that refuse
    connections."""
    seen: list = []
    servers = [TestServer(backend_app(i, seen), host="127.0.0.1") for i in range(backends)]
    for s in servers:
        await s.start_server()
    urls = [str(s.make_url("")) for s in servers]
    for _ in range(dead):
        gone = TestServer(web.Application(), host="127.0.0.1")
        await gone.start_server()
        urls.append(str(gone.make_url("")))
        await gone.close()
    front = Front(urls)
    server = TestServer(front.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), seen, front
    finally:
        await server.close()
        for s in servers:
            await s.close()


def run(coroutine):
    return asyncio.run(coroutine)


def test_session_requests_go_to_their_server_and_the_rest_stay_on_their_connections_server():
    async def scenario():
        async with running() as (url, _seen, _front), aiohttp.ClientSession() as http:
            owners = []
            for sid in [sid_prefix(1) + "s", sid_prefix(0) + "s", sid_prefix(1) + "t", sid_prefix(1) + "u"]:
                async with http.get(f"{url}/socket.io/?EIO=4&transport=polling&sid={sid}") as r:
                    owners.append((await r.json())["backend"])
            others = []                                # one connection each: new connections in turn
            for _ in range(4):
                async with aiohttp.ClientSession() as fresh, \
                        fresh.post(f"{url}/webhooks/rest/webhook", data=b"{}") as r:
                    others.append((await r.json())["backend"])
            kept = []                                  # one kept-alive connection: one server
            for _ in range(4):
                async with http.post(f"{url}/webhooks/rest/webhook", data=b"{}") as r:
                    kept.append((await r.json())["backend"])
            # a sid outside the socket.io path does not steer, an unknown one goes anywhere
            async with http.get(f"{url}/other?sid={sid_prefix(1)}x") as r:
                assert r.status == 200
            return owners, others, kept
    owners, others, kept = run(scenario())
    assert owners == [1, 0, 1, 1]
    assert sorted(others) == [0, 0, 1, 1]
    assert len(set(kept)) == 1


def test_requests_and_answers_pass_whole_and_hop_by_hop_headers_stay_behind():
    async def scenario():
        async with running() as (url, seen, _front), aiohttp.ClientSession() as http:
            async with http.post(f"{url}/webhooks/rest/webhook?x=%E4%B8%AD", data="中文 body".encode(),
                                 headers={"Proxy-Authorization": "secret", "X-Custom": "kept",
                                          "X-Forwarded-For": "203.0.113.9"}) as r:
                body, status, cookies = await r.json(), r.status, r.headers.getall("Set-Cookie")
            async with http.get(f"{url}/gzip", auto_decompress=False) as r:
                zipped, encoding = await r.read(), r.headers.get("Content-Encoding")
            return body, status, cookies, zipped, encoding, seen, url
    body, status, cookies, zipped, encoding, seen, url = run(scenario())
    assert status == 201 and body["body"] == "中文 body"
    assert body["host"] == url.split("://")[1]              # the Host the client used, not the backend's
    assert body["xff"] == "203.0.113.9, 127.0.0.1"
    assert body["hop"] is None
    assert seen[0][2] == "/webhooks/rest/webhook?x=%E4%B8%AD" and seen[0][3]["X-Custom"] == "kept"
    assert cookies == ["a=1", "b=2"]
    assert gzip.decompress(zipped) == b"zipped" and encoding == "gzip"


def test_a_websocket_reaches_the_server_of_its_session_message_for_message():
    async def scenario():
        async with running() as (url, seen, _front), aiohttp.ClientSession() as http:
            replies = []
            for index in (1, 0):
                async with http.ws_connect(f"{url}/socket.io/ws?sid={sid_prefix(index)}abc",
                                           headers={"Origin": "http://page.example"}) as ws:
                    await ws.send_str("2probe")
                    replies.append((await ws.receive()).data)
                    await ws.send_bytes(b"\x01\x02")
                    replies.append((await ws.receive()).data)
            return replies, seen
    replies, seen = run(scenario())
    assert replies == ["1:2probe", b"\x01\x01\x02", "0:2probe", b"\x00\x01\x02"]
    upgrades = [s for s in seen if s[1] == "WS"]
    assert [u[0] for u in upgrades] == [1, 0]
    assert upgrades[0][3]["Origin"] == "http://page.example"          # engine.io checks it against Host


def test_a_refused_upgrade_reaches_the_client_with_the_servers_status():
    async def scenario():
        async with running() as (url, _seen, _front), aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{url}/socket.io/ws?refuse=1&sid={sid_prefix(0)}x")
            return refused.value.status
    assert run(scenario()) == 400


def test_a_server_that_is_gone_gives_a_clear_502_not_a_hang():
    async def scenario():
        async with running(backends=1, dead=1) as (url, _seen, _front), aiohttp.ClientSession() as http:
            async with http.get(f"{url}/socket.io/?sid={sid_prefix(1)}x") as r:
                return r.status, await r.json()
    status, body = run(scenario())
    assert status == 502 and "retry" in body["error"]


def test_stopping_the_front_closes_open_websockets_as_going_away():
    async def scenario():
        async with running() as (url, _seen, front), aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"{url}/socket.io/ws?sid={sid_prefix(0)}x")
            await ws.send_str("hello")
            await ws.receive()
            await front._close_sockets(None)
            message = await asyncio.wait_for(ws.receive(), 5)
            return message.type, ws.close_code
    kind, code = run(scenario())
    assert kind == aiohttp.WSMsgType.CLOSE and code == aiohttp.WSCloseCode.GOING_AWAY


def test_a_front_needs_a_backend():
    with pytest.raises(ValueError):
        Front([])


def test_the_remembered_connections_are_bounded(monkeypatch):
    import scripts.front as front_module
    monkeypatch.setattr(front_module, "MAX_CONNECTIONS", 3)
    front = Front(["http://a", "http://b"])
    picks = [front._of_connection(("10.0.0.1", port)) for port in range(5)]
    assert picks == [0, 1, 0, 1, 0] and len(front._connections) == 3
    assert front._of_connection(("10.0.0.1", 4)) == 0                   # remembered
    assert ("10.0.0.1", 0) not in front._connections                    # the oldest forgotten
