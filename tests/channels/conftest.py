"""Channels tested in-process, the way Rasa tests its own: the channel in an app made by Rasa's
`configure_app`, requests through httpx's ASGI transport, and a stand-in agent behind it."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, List

import httpx2
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.run import configure_app
from sanic import Sanic

Sanic.test_mode = True                   # several apps in one process, as Sanic's own tests make them


class EchoAgent:
    """Answers every message with "echo <text>" and remembers what it was given."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"echo {message.text}")


@asynccontextmanager
async def serve(channel: InputChannel, agent: Any) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client to an app serving `channel` in this process, started and stopped through the ASGI
    lifespan protocol (so the channel's listeners run as under a server)."""
    app = configure_app([channel], enable_api=False, port=5005)
    app.ctx.agent = agent
    inbox: asyncio.Queue = asyncio.Queue()
    outbox: asyncio.Queue = asyncio.Queue()
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://channel.test") as c:
            yield c
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        stopped = await outbox.get()
        assert stopped["type"] == "lifespan.shutdown.complete", stopped
        # Sanic 21.12 then treats the finished lifespan call as a request and fails on it; the servers it
        # runs under (uvicorn, ours) ignore that, and so does this
        await asyncio.gather(lifespan, return_exceptions=True)
