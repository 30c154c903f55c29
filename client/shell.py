"""Command-line chat with a running assistant over the REST channel.

    python -m client.shell [--url http://localhost:5005] [--lang en|zh] [--sender ID]
    python -m client.shell -m "UK number for Office 365" -m "and on Saturday?"   # one conversation, for scripts

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

from client.rest import EXIT_OK, EXIT_USAGE, AssistantError, Client

HISTORY = Path.home() / ".support_shell_history"


def local_timezone() -> Optional[str]:
    try:
        from tzlocal import get_localzone_name
        return get_localzone_name()
    except Exception:  # noqa: BLE001 - a missing zone only means "open now" can't use local time
        return None


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
    ap = argparse.ArgumentParser(prog="python -m client.shell", description=__doc__.split("\n")[0])
    ap.add_argument("--url", default=os.environ.get("ASSISTANT_URL", "http://localhost:5005"))
    ap.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}")
    ap.add_argument("--lang", choices=("en", "zh"))
    ap.add_argument("--message", "-m", action="append",
                    help="send this message, print the reply; repeat for a conversation; then exit")
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args(argv)
    client = Client(args.url, args.sender, args.lang, local_timezone(), args.timeout)
    if args.message is not None:
        if not all(m.strip() for m in args.message):
            print("--message needs some text", file=sys.stderr)
            return EXIT_USAGE
        try:
            for message in args.message:
                if len(args.message) > 1:
                    print(f"you> {message}")
                render(client.send(message))
            return EXIT_OK
        except AssistantError as e:
            print(f"! {e}", file=sys.stderr)
            return e.code
    return interactive(client)


if __name__ == "__main__":
    sys.exit(main())
