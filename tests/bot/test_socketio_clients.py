"""Standard socket.io clients against `make run` with its defaults (two Rasa servers behind scripts/front.py):
python-socketio's client, which connects by long-polling first, and botfront's rasa-webchat in Chromium. The
same clients against the scale-out profile are in test_scaleout.py."""
from __future__ import annotations

import concurrent.futures as cf

import pytest

from .conftest import kill_all, make_run, wait_up
from .socketio_clients import WIDGET_SCRIPTS, ask_with_python_socketio, rasa_webchat_conversation


@pytest.fixture(scope="module")
def assistant(model, tmp_path_factory, page_origin):
    """`make run` as the README's quick start runs it; the page's origin allowed, as an embedding site must be."""
    proc, url, log = make_run(tmp_path_factory.mktemp("make_run_widgets"), 2, "widgets",
                              {"WEBCHAT_ALLOWED_ORIGINS": page_origin})
    try:
        wait_up(f"{url}/", proc, 300, log)
        yield url
    finally:
        kill_all(proc)


@pytest.mark.parametrize("transports, ends_on", [(None, "websocket"), (["polling"], "polling")],
                         ids=["default: polling, then the upgrade", "polling only"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_python_socketio_client_gets_answers(assistant, transports, ends_on, language):
    script = WIDGET_SCRIPTS[language]
    got = ask_with_python_socketio(assistant, [script["ask"], "/inform{\"product\":\"m365\"}", script["country"],
                                               script["follow_up"]], language, transports)
    assert got["transport"] == ends_on
    assert script["product"] in got["answers"][0]                         # the product buttons' titles
    assert script["number"] in got["answers"][2]
    assert script["follow_up_number"] in got["answers"][3]


def test_polling_sessions_spread_over_both_servers_and_each_stays_whole(assistant):
    """Twelve polling sessions at once: the front hands new sessions out in turn, and every request of a
    session reaches the server that holds it (else engine.io answers 400 and the client never gets a reply)."""
    script = WIDGET_SCRIPTS["en"]
    with cf.ThreadPoolExecutor(6) as pool:
        sessions = list(pool.map(lambda _: ask_with_python_socketio(assistant, [script["ask"]], "en", ["polling"]),
                                 range(12)))
    assert all(script["product"] in s["answers"][0] for s in sessions)
    assert {s["engineio_sid"].split(".")[0] for s in sessions} == {"0", "1"}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_rasa_webchat_from_npm_converses_with_buttons_and_keeps_its_session_across_a_reload(
        browser, assistant, page_origin, language):
    rasa_webchat_conversation(browser, page_origin, assistant, language, "make_run")
