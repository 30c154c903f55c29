"""Shared test setup: the project root on sys.path, and the suite's end check that no process it started
still runs.

The pytest process becomes a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`), so every process a test
starts stays its descendant even when the test's own child exits first or starts it in a new session (the
servers do). When the session ends, after every fixture is torn down, whatever still runs is reported,
killed, and fails the run.
"""
import ctypes
import os
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PR_SET_CHILD_SUBREAPER = 36
GRACE = float(os.environ.get("SUITE_STOP_GRACE", 10))  # s for processes told to stop to finish doing so


def pytest_configure(config):
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def running_descendants() -> list:
    """Descendants of this process that still run (zombies are reaped: they have ended)."""
    alive = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(proc.pid, os.WNOHANG)
            else:
                alive.append(proc)
        except (psutil.NoSuchProcess, ChildProcessError):
            pass
    return alive


@pytest.hookimpl(trylast=True)      # after the runner's own sessionfinish has torn the session fixtures down
def pytest_sessionfinish(session, exitstatus):
    deadline = time.time() + GRACE
    left = running_descendants()
    while left and time.time() < deadline:
        time.sleep(0.2)
        left = running_descendants()
    if not left:
        return
    lines = []
    for proc in left:
        try:
            lines.append(f"  pid {proc.pid}: {' '.join(proc.cmdline())[:160]}")
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    session.config.get_terminal_writer().line(
        "FAILED: the test suite left processes running (now killed):\n" + "\n".join(lines), red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway redis-server on a free loopback port (Debian's, as the scale-out profile uses)."""
    import subprocess

    import redis

    from scripts.cluster import find_binary
    from scripts.processes import free_port
    port, work = free_port(), tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([find_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(work)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                redis.Redis(port=port, socket_timeout=1).ping()
                break
            except redis.ConnectionError:
                assert time.time() < deadline and proc.poll() is None, "redis-server did not start"
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
