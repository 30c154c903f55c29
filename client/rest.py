"""The one client of the assistant's REST channel: the terminal shell, scripts and the tests use it.

`post` sends one message and returns the HTTP response as it came (the tests check statuses and bodies);
`send` returns the bot messages and turns every way of not getting them into an AssistantError with a
sentence for a person and an exit code for a script.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

import requests

EXIT_OK, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_EMPTY = 0, 2, 3, 4
# a bound on what is sent at all; the channel's own limit (MAX_MESSAGE_CHARS, 2000 by default) answers 413
MAX_MESSAGE = 4000
WEBHOOK = "/webhooks/rest/webhook"


class AssistantError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class Client:
    def __init__(self, url: str, sender: Optional[str] = None, lang: Optional[str] = None,
                 timezone: Optional[str] = None, timeout: float = 30) -> None:
        self.url = url.rstrip("/")
        self.sender = sender or f"client-{uuid.uuid4().hex[:8]}"
        self.lang, self.timezone, self.timeout = lang, timezone, timeout
        self.session = requests.Session()

    def body(self, text: str, sender: Optional[str] = None, metadata: Optional[Dict[str, Any]] = None,
             message_id: Optional[str] = None) -> Dict[str, Any]:
        if metadata is None:
            metadata = {k: v for k, v in (("language", self.lang), ("timezone", self.timezone)) if v}
        body: Dict[str, Any] = {"sender": sender or self.sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        if message_id:
            body["message_id"] = message_id
        return body

    def post(self, text: str, sender: Optional[str] = None, metadata: Optional[Dict[str, Any]] = None,
             message_id: Optional[str] = None, timeout: Optional[float] = None) -> requests.Response:
        return self.session.post(f"{self.url}{WEBHOOK}", json=self.body(text, sender, metadata, message_id),
                                 timeout=timeout or self.timeout)

    def send(self, text: str, **kwargs: Any) -> List[Dict[str, Any]]:
        try:
            r = self.post(text[:MAX_MESSAGE], **kwargs)
        except requests.ConnectionError:
            raise AssistantError(f"Can't reach the assistant at {self.url}. Is it running? (make run)",
                                 EXIT_UNREACHABLE) from None
        except requests.Timeout:
            raise AssistantError(f"The assistant at {self.url} did not answer within {self.timeout:.0f}s.",
                                 EXIT_UNREACHABLE) from None
        if r.status_code != 200:
            raise AssistantError(f"The assistant answered HTTP {r.status_code}: {r.text[:200]}", EXIT_UNREACHABLE)
        try:
            messages = r.json()
        except ValueError:
            raise AssistantError("The assistant sent something that isn't JSON.", EXIT_EMPTY) from None
        if not messages:
            raise AssistantError("The assistant returned no answer (an error on its side). Try again or rephrase.",
                                 EXIT_EMPTY)
        return messages

    def tracker(self, sender: Optional[str] = None, token: Optional[str] = None) -> Dict[str, Any]:
        """The conversation as Rasa's HTTP API returns it (the API must be on)."""
        params = {"token": token} if token else None
        r = self.session.get(f"{self.url}/conversations/{sender or self.sender}/tracker", params=params,
                             timeout=self.timeout)
        r.raise_for_status()
        return r.json()
