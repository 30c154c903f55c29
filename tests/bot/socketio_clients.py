"""Standard socket.io clients as users bring them, for the tests of `make run` (test_socketio_clients.py) and
of the scale-out profile (test_scaleout.py): python-socketio's client with its default transports (long-polling
first, then the upgrade), and botfront's rasa-webchat in Chromium, installed from npm (rasa_webchat/) and
served from a local page on another origin, as an intranet page embeds it."""
from __future__ import annotations

import functools
import http.server
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import socketio
from playwright.sync_api import expect

from .conftest import ARTIFACTS, free_port

PAGE_DIR = Path(__file__).resolve().parent / "rasa_webchat"
WEBCHAT_BUNDLE = PAGE_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def page_server() -> Iterator[str]:
    """The rasa-webchat page and the npm package, served on a loopback port of their own; yields the origin."""
    assert WEBCHAT_BUNDLE.exists(), f"{WEBCHAT_BUNDLE} missing: `make widget-deps` installs rasa-webchat from npm"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                             functools.partial(QuietHandler, directory=str(PAGE_DIR)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def ask_with_python_socketio(url: str, questions: List[str], language: str,
                             transports: Optional[List[str]] = None, timeout: float = 30) -> dict:
    """One session of python-socketio's client (its defaults unless `transports`): the session handshake,
    then each question in turn, waiting for its answer. Returns the answers' texts, the transport at the end
    and the engine.io session id."""
    answers: List[List[str]] = []
    client = socketio.Client(reconnection=False)
    def on_answer(data: dict) -> None:
        if answers:                                  # the text, and the titles of its buttons
            answers[-1].append("\n".join([data.get("text") or ""] +
                                         [r.get("title", "") for r in data.get("quick_replies") or []]))

    client.on("bot_uttered", on_answer)
    confirmed = threading.Event()
    client.on("session_confirm", lambda _sid: confirmed.set())
    client.connect(url, socketio_path="/socket.io", transports=transports, wait_timeout=10)
    try:
        session_id = uuid.uuid4().hex
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(10), "no session_confirm"
        for question in questions:
            answers.append([])
            client.emit("user_uttered", {"message": question, "session_id": session_id,
                                         "customData": {"language": language}})
            deadline = time.time() + timeout
            while not answers[-1] and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)                                  # the rest of a reply of several messages
        return {"answers": ["\n".join(a) for a in answers], "transport": client.transport(),
                "engineio_sid": client.eio.sid}
    finally:
        client.disconnect()


# ---------------------------------------------------------------------------------------- rasa-webchat
def open_rasa_webchat(browser, origin: str, assistant: str, language: str):
    """rasa-webchat opened on the local page, connected to `assistant`; returns (context, page)."""
    context = browser.new_context(locale="zh-CN" if language == "zh" else "en-US")
    page = context.new_page()
    page.goto(f"{origin}/page.html?socket={assistant}&lang={language}")
    page.click(".rw-launcher")
    expect(page.locator(".rw-from-response").first).to_be_visible(timeout=30000)    # the greeting: connected
    return context, page


def say(page, text: str) -> None:
    before = page.locator(".rw-from-response").count()
    page.fill(".rw-new-message", text)
    page.press(".rw-new-message", "Enter")
    expect(page.locator(".rw-from-response")).not_to_have_count(before, timeout=30000)


def pick(page, title: str) -> None:
    """Click the quick reply titled `title` under the last answer."""
    before = page.locator(".rw-from-response").count()
    page.locator(".rw-reply", has_text=title).last.click()
    expect(page.locator(".rw-from-response")).not_to_have_count(before, timeout=30000)


def last_answer(page) -> str:
    time.sleep(0.5)                                          # the rest of a reply of several messages
    return page.locator(".rw-from-response").last.inner_text()


# A phone-number conversation that needs the buttons, then a follow-up after a reload that only the
# conversation's stored state can answer (the product and the question come from before the reload).
WIDGET_SCRIPTS = {
    "en": {"ask": "What's the support phone number?", "product": "Microsoft 365 / Office 365 for business",
           "country": "United Kingdom", "number": "0800 032 6417",
           "follow_up": "and Canada?", "follow_up_number": "1 800 865 9408"},
    "zh": {"ask": "支持电话是多少？", "product": "Microsoft 365 / Office 365 商业版",
           "country": "英国", "number": "0800 032 6417",
           "follow_up": "那加拿大呢？", "follow_up_number": "1 800 865 9408"},
}


def rasa_webchat_conversation(browser, origin: str, assistant: str, language: str, name: str) -> None:
    """The whole conversation in rasa-webchat, asserting each fact as it comes; screenshots to artifacts."""
    script = WIDGET_SCRIPTS[language]
    context, page = open_rasa_webchat(browser, origin, assistant, language)
    try:
        say(page, script["ask"])
        expect(page.locator(".rw-reply", has_text=script["product"]).last).to_be_visible()
        pick(page, script["product"])
        expect(page.locator(".rw-reply", has_text=script["country"]).last).to_be_visible()
        pick(page, script["country"])
        assert script["number"] in last_answer(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"rasa_webchat_{name}_{language}.png"))
        # reload: rasa-webchat keeps the session id and the transcript in localStorage (session_persistence)
        page.reload()
        expect(page.locator(".rw-client", has_text=script["ask"])).to_be_visible(timeout=30000)
        if not page.locator(".rw-new-message").is_visible():
            page.click(".rw-launcher")
        say(page, script["follow_up"])
        answer = last_answer(page)
        assert script["follow_up_number"] in answer and script["number"] not in answer, answer
        page.screenshot(path=str(ARTIFACTS / f"rasa_webchat_{name}_{language}_after_reload.png"))
    finally:
        context.close()
