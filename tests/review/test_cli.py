"""scripts/review.py and `make review`: the files, the default window, progress, and clear errors (exit 2,
no traceback) for bad dates and unusable stores."""
from __future__ import annotations

import io
import json
import socket
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from review.progress import Progress
from tests.conftest import ROOT
from tests.review.builder import Conversation, endpoints_for_sqlite, write_sqlite

SCRIPT = ROOT / "scripts" / "review.py"


def run(*args: str, cwd: Path = ROOT, env: dict = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def test_the_review_of_the_known_store(known_endpoints, tmp_path):
    out = run("--endpoints", str(known_endpoints), "--since", "2026-11-30", "--until", "2026-12-06",
              "--out", str(tmp_path / "r"))
    assert out.returncode == 0, out.stderr
    assert "10 conversations, 24 turns" in out.stdout
    assert "6 unanswered messages in 4 groups" in out.stdout
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["review.html", "review.json",
                                                                   "review_candidates.yml"]
    assert json.loads((tmp_path / "r" / "review.json").read_text())["totals"]["turns"] == 24
    assert "senders read" in out.stderr and "100 %" in out.stderr                 # progress on stderr


def test_the_default_window_is_the_last_seven_days_up_to_today(tmp_path):
    now = datetime.now(timezone.utc)
    today = now.replace(hour=0, minute=1, second=0, microsecond=0)
    recent = [Conversation(f"d{k}", (today - timedelta(days=k)).timestamp()).answered("UK number", "ask_phone", "phone")
              for k in range(0, 9)]                                             # today and the 8 days before
    endpoints = endpoints_for_sqlite(tmp_path, write_sqlite(tmp_path / "t.db", recent))
    out = run("--endpoints", str(endpoints), "--out", str(tmp_path / "r"))
    assert out.returncode == 0, out.stderr
    review = json.loads((tmp_path / "r" / "review.json").read_text())
    assert review["window"]["until"] == today.date().isoformat()
    assert review["window"]["since"] == (today.date() - timedelta(days=6)).isoformat()
    assert review["totals"]["conversations"] == 7


@pytest.mark.parametrize("args,message", [
    (["--since", "2026-13-01"], "'2026-13-01' is not a date"),
    (["--until", "yesterday"], "'yesterday' is not a date"),
    (["--since", "2026-12-06", "--until", "2026-12-01"], "--since 2026-12-06 is after --until 2026-12-01"),
    (["--timezone", "Mars/Olympus"], "'Mars/Olympus' is not an IANA time zone"),
    (["--endpoints", "nope.yml"], "endpoints file not found: nope.yml"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, args, message):
    out = run(*args, "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "r").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unusable(tmp_path: Path, case: str) -> Path:
    path = tmp_path / "endpoints.yml"
    if case == "missing store":
        return endpoints_for_sqlite(tmp_path, tmp_path / "nothing.db")
    if case == "not a tracker store":
        sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
        return endpoints_for_sqlite(tmp_path, tmp_path / "other.db")
    if case == "unreachable postgresql":
        path.write_text(f"tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n"
                        f"  port: {free_port()}\n  db: rasa\n  username: rasa\n")
    elif case == "unset variable":
        path.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: ${REVIEW_TEST_UNSET_HOST}\n")
    elif case == "in-memory store":
        path.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n")
    return path


@pytest.mark.parametrize("case,message", [
    ("missing store", "tracker store not found"),
    ("not a tracker store", "has no `events` table"),
    ("unreachable postgresql", "cannot open the tracker store postgresql://rasa@127.0.0.1:"),
    ("unset variable", "${REVIEW_TEST_UNSET_HOST}"),
    ("in-memory store", "configures no tracker_store"),
])
def test_an_unusable_store_exits_2_with_a_message(tmp_path, case, message):
    out = run("--endpoints", str(unusable(tmp_path, case)), "--out", str(tmp_path / "r"))
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("review: error:") and message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_an_output_directory_that_cannot_be_written(known_endpoints, tmp_path):
    (tmp_path / "taken").write_text("a file, not a directory")
    out = run("--endpoints", str(known_endpoints), "--out", str(tmp_path / "taken"))
    assert out.returncode == 2 and "review: error: cannot write to" in out.stderr and "Traceback" not in out.stderr


def test_make_review_passes_the_window_and_endpoints():
    out = subprocess.run(["make", "-n", "-o", ".venv/.installed", "review", "SINCE=2026-11-30", "UNTIL=2026-12-06",
                          "ENDPOINTS=endpoints.scaleout.yml"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    command = next(line for line in out.stdout.splitlines() if "scripts/review.py" in line)
    for part in ("--since 2026-11-30", "--until 2026-12-06", "--endpoints endpoints.scaleout.yml", "--out results"):
        assert part in command
    bare = subprocess.run(["make", "-n", "-o", ".venv/.installed", "review"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60).stdout
    assert "--since" not in bare and "--until" not in bare


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_off_a_terminal_is_a_line_every_few_seconds():
    stream, clock = io.StringIO(), Clock()
    bar = Progress("read", 100, stream=stream, every=5.0, clock=clock)
    for _ in range(100):
        clock.now += 0.2                                  # 20 s in all
        bar.advance()
    bar.finish()
    lines = stream.getvalue().splitlines()
    assert 4 <= len(lines) <= 5 and lines[-1].startswith("read: 100/100 (100 %)")
    assert "\r" not in stream.getvalue()


def test_progress_on_a_terminal_is_a_bar():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True
    stream, clock = Tty(), Clock()
    bar = Progress("read", 10, stream=stream, clock=clock)
    for _ in range(10):
        clock.now += 1
        bar.advance()
    bar.finish()
    assert stream.getvalue().count("\r") == 11 and "[##############################] read: 10/10" in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def test_dates_are_read_as_days(known_endpoints, tmp_path):
    out = run("--endpoints", str(known_endpoints), "--since", str(date(2026, 12, 1)), "--until", "2026-12-01",
              "--out", str(tmp_path))
    assert out.returncode == 0 and "2 conversations, 4 turns" in out.stdout
