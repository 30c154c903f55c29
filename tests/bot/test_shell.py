"""The command-line shell driven as a user would, in a pseudo-terminal, against the real assistant."""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pexpect
import pytest

from .conftest import ROOT, free_port


@pytest.fixture
def spawn():
    """Starts the shell in a pseudo-terminal; whatever a test started is closed when it ends, pass or fail."""
    started = []

    def start(args, home):
        env = dict(os.environ, HOME=str(home), PYTHONPATH=str(ROOT), TERM="dumb")
        started.append(pexpect.spawn(sys.executable, ["-m", "client.shell", *args], cwd=str(ROOT), env=env,
                                     encoding="utf-8", timeout=60, dimensions=(50, 200)))
        return started[-1]
    try:
        yield start
    finally:
        for p in started:
            p.close(force=True)


def test_interactive_session_buttons_language_restart_quit(bot, tmp_path, spawn):
    p = spawn(["--url", bot.url, "--sender", "shell-test"], tmp_path)
    p.expect("Connected to")
    p.expect("you> ")
    p.sendline("what number should I call?")
    p.expect(r"1\. Microsoft 365")
    p.expect("you> ")
    p.sendline("1")                                     # the number sends the button's payload
    p.expect(r"(\d+)\. Australia")
    australia = p.match.group(1)
    p.expect("you> ")
    p.sendline(australia)
    p.expect("1 800 197 503")
    p.expect("you> ")
    p.sendline("/lang zh")
    p.expect("reply language: zh")
    p.sendline("UK number for Office 365")
    p.expect("支持电话")                                # replies now in Chinese
    p.expect("0800 032 6417")
    p.expect("you> ")
    p.sendline("9")                                     # no such button
    p.expect("you> ")
    p.sendline("/restart")
    p.expect("重新开始")
    p.expect("you> ")
    p.sendline("/quit")
    p.expect(pexpect.EOF)
    p.close()
    assert p.exitstatus == 0
    assert "what number should I call?" in (tmp_path / ".support_shell_history").read_text()


def test_one_shot_mode_prints_the_answer(bot, tmp_path, spawn):
    p = spawn(["--url", bot.url, "--message", "世纪互联的 Office 365 热线"], tmp_path)
    p.expect(pexpect.EOF)
    p.close()
    assert "400-089-0365" in p.before and p.exitstatus == 0


def test_server_down_is_a_clear_message_and_exit_code_3(tmp_path, spawn):
    p = spawn(["--url", f"http://127.0.0.1:{free_port()}", "--message", "hi"], tmp_path)
    p.expect("Can't reach the assistant")
    p.expect(pexpect.EOF)
    p.close()
    assert p.exitstatus == 3


def test_an_empty_answer_is_reported_and_exit_code_4(tmp_path, spawn):
    class Empty(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps([]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Empty)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        p = spawn(["--url", f"http://127.0.0.1:{server.server_port}", "--message", "hi"], tmp_path)
        p.expect("returned no answer")
        p.expect(pexpect.EOF)
        p.close()
        assert p.exitstatus == 4
    finally:
        server.shutdown()


def test_empty_one_shot_message_is_a_usage_error(tmp_path, spawn):
    p = spawn(["--message", "  "], tmp_path)
    p.expect(pexpect.EOF)
    p.close()
    assert p.exitstatus == 2
