"""The front of `make run` when it runs several Rasa servers: one public port, and every socket.io session
kept on the server that holds it.

socket.io clients connect by long-polling first, then upgrade to a websocket (socket.io-client 3/4, botfront's
rasa-webchat, python-socketio's client): one session is many HTTP requests, and engine.io keeps a session in
the memory of one process. Sanic's workers share one port and the kernel spreads connections over them, so a
polling session fell apart there. Instead, `make run` starts one single-worker Rasa server per CPU on loopback
ports; each stamps its index on the engine.io session ids it issues (`WEBCHAT_SID_PREFIX`, see
channels/webchat.py), and this front sends a request that names a session (`?sid=`) to the server whose index
the id carries. It keeps no table of sessions, so nothing grows, expires or is lost when it restarts.

Every other request goes where its client connection's first request went, new connections in turn: as
Sanic's workers did, a client that keeps its connection (a chat client, WeChat, a load balancer) stays on one
server, whose tracker cache then holds its conversations; spreading one conversation's requests over the
servers made every read a cache miss and halved the throughput (docs/performance.md). The connections are
remembered by the client's address and port, at most MAX_CONNECTIONS of them, the oldest forgotten first.

    python scripts/front.py --port 5005 --backend http://127.0.0.1:41001 --backend http://127.0.0.1:41002

A stop signal closes the listening socket, lets requests in flight finish within SHUTDOWN_TIMEOUT seconds, and
closes open websockets with 1001 (going away), so widgets reconnect. No message text is logged.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import sys
from collections import OrderedDict
from typing import List, Optional

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict
from yarl import URL

logger = logging.getLogger("front")

SOCKETIO_PATH = "/socket.io/"
SID_SEPARATOR = "."
MAX_BODY = 1 << 20               # bytes; the channels refuse far smaller messages themselves
MAX_WS_MESSAGE = 1 << 20
SHUTDOWN_TIMEOUT = 4.0           # s; inside the launcher's stop timeout, before the Rasa servers stop
READ_TIMEOUT = 90.0              # s; above engine.io's long-poll wait (ping interval 25 s + timeout 20 s)
MAX_CONNECTIONS = 10000          # client connections whose server is remembered
# RFC 9110 section 7.6.1, plus what the proxy recomputes itself
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "trailers", "transfer-encoding", "upgrade", "content-length", "host"})
WS_HANDSHAKE = frozenset({"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                          "sec-websocket-accept", "sec-websocket-protocol"})


def sid_prefix(index: int) -> str:
    """What server `index` puts in front of the engine.io session ids it issues."""
    return f"{index}{SID_SEPARATOR}"


def owner_of(sid: str, backends: int) -> Optional[int]:
    """The index of the server that issued `sid`, or None for an id no server of ours issued."""
    head, separator, _ = sid.partition(SID_SEPARATOR)
    if separator and head.isdigit() and len(head) <= 3 and int(head) < backends:
        return int(head)
    return None


def forwarded_headers(request: web.Request, drop: frozenset = HOP_BY_HOP) -> CIMultiDict:
    """The client's headers for the server behind: hop-by-hop ones dropped, the original Host kept (engine.io
    checks Origin against it), the client's address appended to X-Forwarded-For."""
    headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in drop)
    headers["Host"] = request.host
    peer = request.remote or ""
    headers["X-Forwarded-For"] = f"{request.headers['X-Forwarded-For']}, {peer}" \
        if "X-Forwarded-For" in request.headers else peer
    return headers


class Front:
    def __init__(self, backends: List[str]) -> None:
        if not backends:
            raise ValueError("the front needs at least one backend")
        self.backends = [b.rstrip("/") for b in backends]
        self._turn = itertools.count()
        self._connections: "OrderedDict[object, int]" = OrderedDict()
        self.sockets: "set[web.WebSocketResponse]" = set()
        self.session: Optional[aiohttp.ClientSession] = None

    def pick(self, request: web.Request) -> str:
        sid = request.query.get("sid") if request.path.startswith(SOCKETIO_PATH) else None
        index = owner_of(sid, len(self.backends)) if sid else None
        if index is None:
            index = self._of_connection(request.transport.get_extra_info("peername") if request.transport else None)
        return self.backends[index]

    def _of_connection(self, peer: object) -> int:
        """The server of this client connection; a new one gets the next server in turn."""
        if peer is None:
            return next(self._turn) % len(self.backends)
        index = self._connections.get(peer)
        if index is None:
            index = self._connections[peer] = next(self._turn) % len(self.backends)
            if len(self._connections) > MAX_CONNECTIONS:
                self._connections.popitem(last=False)
        else:
            self._connections.move_to_end(peer)
        return index

    # ------------------------------------------------------------------------------------------- the app
    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self._open)
        app.on_shutdown.append(self._close_sockets)
        app.on_cleanup.append(self._close)
        return app

    async def _open(self, _app: web.Application) -> None:
        self.session = aiohttp.ClientSession(
            auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=None, connect=5, sock_read=READ_TIMEOUT),
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30))

    async def _close_sockets(self, _app: web.Application) -> None:
        for ws in list(self.sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"server stopping")

    async def _close(self, _app: web.Application) -> None:
        if self.session:
            await self.session.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        backend = self.pick(request)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.tunnel(request, backend)
        return await self.forward(request, backend)

    # ------------------------------------------------------------------------------------------ requests
    async def forward(self, request: web.Request, backend: str) -> web.StreamResponse:
        assert self.session is not None
        body = await request.read()
        try:
            async with self.session.request(request.method, URL(backend + request.raw_path, encoded=True),
                                            headers=forwarded_headers(request), data=body or None,
                                            allow_redirects=False) as upstream:
                payload = await upstream.read()
                headers = CIMultiDict((k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP)
                return web.Response(status=upstream.status, body=payload, headers=headers)
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            logger.warning("front: %s %s to %s failed: %s", request.method, request.path, backend, type(e).__name__)
            return web.json_response({"error": "the assistant did not answer; retry the request"}, status=502)

    async def tunnel(self, request: web.Request, backend: str) -> web.StreamResponse:
        """A websocket, message for message, to the server that holds its session. A refusal by the server
        (an unknown session, a foreign origin) reaches the client with the server's status."""
        assert self.session is not None
        url = URL("ws" + backend[len("http"):] + request.raw_path, encoded=True)
        try:
            upstream = await self.session.ws_connect(url, headers=forwarded_headers(request, HOP_BY_HOP | WS_HANDSHAKE),
                                                     max_msg_size=MAX_WS_MESSAGE, autoping=True)
        except aiohttp.WSServerHandshakeError as e:
            return web.Response(status=e.status or 502, text="websocket refused by the assistant")
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            logger.warning("front: websocket to %s failed: %s", backend, type(e).__name__)
            return web.Response(status=502, text="the assistant did not answer; reconnect")
        client = web.WebSocketResponse(max_msg_size=MAX_WS_MESSAGE, autoping=True)
        await client.prepare(request)
        self.sockets.add(client)
        try:
            pumps = [asyncio.ensure_future(_pump(client, upstream)), asyncio.ensure_future(_pump(upstream, client))]
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            for pump in pumps:
                pump.cancel()
        finally:
            self.sockets.discard(client)
            await upstream.close()
            await client.close()
        return client


async def _pump(source, sink) -> None:
    async for message in source:
        if message.type == WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        else:                                   # CLOSE, CLOSING, CLOSED, ERROR
            break


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=5005)
    ap.add_argument("--interface", default="0.0.0.0")
    ap.add_argument("--backend", action="append", required=True, help="a Rasa server's URL; repeat, in index order")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    try:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    front = Front(args.backend)
    logger.info("front on %s:%d, socket.io sessions kept on their server among %d", args.interface, args.port,
                len(front.backends))
    web.run_app(front.app(), host=args.interface, port=args.port, access_log=None, print=None,
                shutdown_timeout=SHUTDOWN_TIMEOUT, handle_signals=True)
    logger.info("front stopped")


if __name__ == "__main__":
    sys.exit(main())
