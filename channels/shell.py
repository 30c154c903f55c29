"""Command-line chat with a running assistant over the REST channel.

    python -m channels.shell [--url http://localhost:5005] [--lang en|zh] [--sender ID]
    python -m channels.shell --message "UK number for Office 365"      # one-shot, for scripts

Interactive commands: /lang en|zh|auto (reply language, sent as metadata.language), /restart, /quit.
Buttons are listed with numbers; type the number to send its payload. Line editing and history come from
readline (history in ~/.support_shell_history). Exit codes: 0 ok, 2 bad usage, 3 assistant unreachable,
4 the assistant answered nothing (Rasa's REST channel returns [] on an internal error).
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import requests

EXIT_OK, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_EMPTY = 0, 2, 3, 4
HISTORY = Path.home() / ".support_shell_history"
MAX_MESSAGE = 4000


class AssistantError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def local_timezone() -> Optional[str]:
    try:
        from tzlocal import get_localzone_name
        return get_localzone_name()
    except Exception:  # noqa: BLE001 - a missing zone only means "open now" can't use local time
        return None


class Client:
    def __init__(self, url: str, sender: str, lang: Optional[str] = None, timeout: float = 30):
        self.url = url.rstrip("/")
        self.sender, self.lang, self.timeout = sender, lang, timeout
        self.session = requests.Session()
        self.timezone = local_timezone()

    def send(self, text: str) -> List[Dict]:
        metadata = {k: v for k, v in (("language", self.lang), ("timezone", self.timezone)) if v}
        try:
            r = self.session.post(f"{self.url}/webhooks/rest/webhook", timeout=self.timeout,
                                  json={"sender": self.sender, "message": text[:MAX_MESSAGE], "metadata": metadata})
        except requests.ConnectionError:
            raise AssistantError(f"Can't reach the assistant at {self.url}. Is it running? (make run)", EXIT_UNREACHABLE)
        except requests.Timeout:
            raise AssistantError(f"The assistant at {self.url} did not answer within {self.timeout:.0f}s.", EXIT_UNREACHABLE)
        if r.status_code != 200:
            raise AssistantError(f"The assistant answered HTTP {r.status_code}: {r.text[:200]}", EXIT_UNREACHABLE)
        try:
            messages = r.json()
        except ValueError:
            raise AssistantError("The assistant sent something that isn't JSON.", EXIT_EMPTY)
        if not messages:
            raise AssistantError("The assistant returned no answer (an error on its side). Try again or rephrase.", EXIT_EMPTY)
        return messages


def render(messages: List[Dict]) -> List[Dict]:
    """Print bot messages; return the buttons, numbered in order."""
    buttons = []
    for m in messages:
        if m.get("text"):
            print(m["text"])
        if m.get("image"):
            print(f"[image] {m['image']}")
        for b in m.get("buttons") or []:
            buttons.append(b)
            print(f"  {len(buttons)}. {b.get('title', b.get('payload'))}")
    return buttons


def interactive(client: Client) -> int:
    try:
        import readline
        HISTORY.touch(exist_ok=True)
        readline.read_history_file(HISTORY)
        readline.set_history_length(1000)
    except (ImportError, OSError):
        readline = None
    print(f"Connected to {client.url} as {client.sender}. /lang en|zh|auto, /restart, /quit. "
          f"连接成功，输入 /lang zh 切换中文。")
    buttons: List[Dict] = []
    code = EXIT_OK
    try:
        while True:
            try:
                line = input("you> ").strip()
            except EOFError:
                print()
                break
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line.startswith("/lang"):
                arg = line[5:].strip().lower()
                if arg not in ("en", "zh", "auto"):
                    print("usage: /lang en|zh|auto")
                    continue
                client.lang = None if arg == "auto" else arg
                print(f"reply language: {arg}")
                continue
            text = line
            if line.isdigit() and buttons:
                n = int(line)
                if not 1 <= n <= len(buttons):
                    print(f"choose 1-{len(buttons)}")
                    continue
                text = buttons[n - 1]["payload"]
            try:
                buttons = render(client.send(text))
            except AssistantError as e:
                print(f"! {e}", file=sys.stderr)
                code = e.code
    except KeyboardInterrupt:
        print()
    finally:
        if readline is not None:
            try:
                readline.write_history_file(HISTORY)
            except OSError:
                pass
    return code


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m channels.shell", description=__doc__.split("\n")[0])
    ap.add_argument("--url", default=os.environ.get("ASSISTANT_URL", "http://localhost:5005"))
    ap.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}")
    ap.add_argument("--lang", choices=("en", "zh"))
    ap.add_argument("--message", "-m", help="send one message, print the reply and exit")
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args(argv)
    client = Client(args.url, args.sender, args.lang, args.timeout)
    if args.message is not None:
        if not args.message.strip():
            print("--message needs some text", file=sys.stderr)
            return EXIT_USAGE
        try:
            render(client.send(args.message))
            return EXIT_OK
        except AssistantError as e:
            print(f"! {e}", file=sys.stderr)
            return e.code
    return interactive(client)


if __name__ == "__main__":
    sys.exit(main())
