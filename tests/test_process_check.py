"""The suite's end check (tests/conftest.py) fails a run that leaves a process behind, and kills it."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]

LEAKS = """
import subprocess, pathlib
def test_starts_a_server_and_forgets_it():
    p = subprocess.Popen(["sleep", "300"], start_new_session=True)     # its own session, like the servers
    pathlib.Path("pid").write_text(str(p.pid))
"""
STOPS = """
import subprocess, pathlib
def test_starts_a_server_and_stops_it():
    p = subprocess.Popen(["sleep", "300"], start_new_session=True)
    pathlib.Path("pid").write_text(str(p.pid))
    try:
        assert p.poll() is None
    finally:
        p.terminate()
        p.wait(10)
"""
ORPHANS = """
import subprocess, pathlib
def test_a_child_that_starts_a_grandchild_and_exits():
    # the grandchild is orphaned: without a subreaper it would no longer descend from pytest
    subprocess.run(["sh", "-c", "setsid sleep 300 & echo $! > pid"], check=True)
"""


def run_suite(tmp_path: Path, body: str) -> tuple:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_it.py").write_text(textwrap.dedent(body))
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_it.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env=dict(os.environ, SUITE_STOP_GRACE="1"))
    return out, int((tmp_path / "pid").read_text())


@pytest.mark.parametrize("body", [LEAKS, ORPHANS], ids=["leaked server", "orphaned grandchild"])
def test_a_run_that_leaves_a_process_fails_and_the_process_is_killed(tmp_path, body):
    out, pid = run_suite(tmp_path, body)
    assert out.returncode == 1, out.stdout
    assert "left processes running" in out.stdout and f"pid {pid}: sleep 300" in out.stdout
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_run_that_stops_what_it_started_passes(tmp_path):
    out, pid = run_suite(tmp_path, STOPS)
    assert out.returncode == 0, out.stdout
    assert "left processes running" not in out.stdout
