"""The web chat channel's socket.io server as each launcher configures it: the session ids that `make run`'s
front routes by, and the transports a server accepts."""
import pytest

from channels.webchat import WebChatInput

SEPARATOR = "."


async def _ignore(_message) -> None:
    return None


def socketio_server(monkeypatch, prefix: str, workers: str):
    monkeypatch.setenv("WEBCHAT_SID_PREFIX", prefix)
    monkeypatch.setenv("SANIC_WORKERS", workers)
    channel = WebChatInput.from_credentials({"session_persistence": True})
    channel.blueprint(_ignore)
    return channel.sio.eio


@pytest.mark.parametrize("prefix", ["0.", "1.", "12."])
def test_behind_the_front_every_session_id_names_its_server(monkeypatch, prefix):
    eio = socketio_server(monkeypatch, prefix, "1")
    ids = {eio.generate_id() for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith(prefix) and len(i) > len(prefix) + 8 for i in ids)
    assert set(eio.transports) == {"polling", "websocket"}       # polling clients welcome: the front is sticky


def test_without_the_front_session_ids_are_engineios_own(monkeypatch):
    eio = socketio_server(monkeypatch, "", "1")
    assert all(SEPARATOR not in eio.generate_id() for _ in range(50))


@pytest.mark.parametrize("prefix", ["abc", "1", "1.2.", "-1.", "1234."])
def test_a_malformed_prefix_stops_the_start_with_a_clear_message(monkeypatch, prefix):
    with pytest.raises(ValueError, match="WEBCHAT_SID_PREFIX"):
        socketio_server(monkeypatch, prefix, "1")


def test_several_workers_on_one_port_accept_websocket_sessions_only(monkeypatch):
    """Sanic's workers share the port, so polling requests of one session could reach different workers."""
    assert socketio_server(monkeypatch, "", "2").transports == ["websocket"]


ENVIRON = {"wsgi.url_scheme": "http", "HTTP_HOST": "assistant.example:5005"}


@pytest.mark.parametrize("origin, environ, allowed", [
    ("http://assistant.example:5005", ENVIRON, True),                    # its own demo page
    ("https://intranet.example", ENVIRON, True),                         # listed
    ("http://evil.example", ENVIRON, False),
    ("https://assistant.example:5005", ENVIRON, False),                  # another scheme is another origin
    ("https://chat.example", dict(ENVIRON, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="chat.example"),
     True),                                                              # behind a TLS proxy
    ("http://assistant.example:5005", {"wsgi.url_scheme": "http"}, False),   # no Host: nothing is its own
])
def test_listing_embedding_sites_keeps_the_assistants_own_origin(monkeypatch, origin, environ, allowed):
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", "https://intranet.example")
    eio = socketio_server(monkeypatch, "", "1")
    assert eio.cors_allowed_origins(origin, environ) is allowed


def test_with_no_site_listed_only_the_own_origin_connects(monkeypatch):
    monkeypatch.delenv("WEBCHAT_ALLOWED_ORIGINS", raising=False)
    eio = socketio_server(monkeypatch, "", "1")
    assert eio.cors_allowed_origins("http://assistant.example:5005", ENVIRON) is True
    assert eio.cors_allowed_origins("https://intranet.example", ENVIRON) is False


def test_a_message_the_store_could_not_take_gets_an_error_event_to_send_it_again(monkeypatch):
    """No answer was given or stored: the widget is told so (its `error` event), instead of silence."""
    import asyncio

    from channels.webchat import STORE_DOWN
    from server.stores import StoreUnavailable

    async def store_down(_message) -> None:
        raise StoreUnavailable("tracker store read failed")
    monkeypatch.delenv("WEBCHAT_SID_PREFIX", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "1")
    channel = WebChatInput.from_credentials({"session_persistence": True})
    channel.blueprint(store_down)
    emitted = []

    async def emit(event, data, room=None, namespace=None):
        emitted.append((event, data, room))
    monkeypatch.setattr(channel.sio, "emit", emit)
    handler = channel.sio.handlers[channel.namespace or "/"][channel.user_message_evt]
    asyncio.run(handler("sid-1", {"message": "UK number", "session_id": "a1b2c3d4e5f6"}))
    assert emitted == [("error", {"error": STORE_DOWN}, "sid-1")]
