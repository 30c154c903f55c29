"""Session fixtures for tests that need the real assistant: train once (cached by fingerprint), start the
action server and the Rasa server once, on free loopback ports with a throwaway SQLite tracker store."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Optional

import psutil
import pytest
import requests
import yaml
from playwright.sync_api import sync_playwright

from client.rest import Client
from scripts.processes import action_server_command, free_port, rasa_server_command

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


def wait_up(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> float:
    t = time.time()
    while time.time() - t < seconds:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}; see {log}")
        try:
            if requests.get(url, timeout=2).ok:
                return time.time() - t
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not up after {seconds}s; see {log}")


# The WeChat channel under test (a made-up account; the tests play the WeChat server with wechatpy)
WECHAT = {"WECHAT_TOKEN": "test-token-123", "WECHAT_APP_ID": "wx0123456789abcdef",
          "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "WECHAT_APP_SECRET": ""}


def env() -> dict:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", **WECHAT)


@pytest.fixture(scope="session")
def model() -> Path:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "train.py")], cwd=ROOT, env=env(),
                         capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-3000:]
    return Path(out.stdout.strip().splitlines()[-1])


class Bot:
    """The running assistant, reached through the project's own REST client (client/rest.py)."""

    def __init__(self, url: str, tmp: Path, model: Path | None = None):
        self.url, self.tmp, self.model = url, tmp, model
        self.client = Client(url)

    def say(self, text: str, sender: str | None = None, metadata: dict | None = None, timeout: float = 30) -> list:
        r = self.client.post(text, sender=sender or f"t-{uuid.uuid4().hex[:8]}", metadata=metadata, timeout=timeout)
        r.raise_for_status()
        return r.json()

    def text(self, text: str, sender: str | None = None, **kw) -> str:
        return "\n".join(m.get("text", "") for m in self.say(text, sender, **kw))

    def tracker(self, sender: str) -> dict:
        return self.client.tracker(sender)


WORKERS = 2                     # the bot runs as `make run` starts it: two Sanic workers on shared SQLite stores


def wait_for_log(log: Path, text: str, proc: subprocess.Popen, count: int = 1, seconds: float = 300) -> None:
    """`text` stands `count` times in the log of `proc`, which keeps running meanwhile."""
    deadline = time.time() + seconds
    while log.read_text(errors="replace").count(text) < count:
        assert proc.poll() is None and time.time() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)


def wait_for_workers(log: Path, workers: int, proc: subprocess.Popen, seconds: float = 300) -> None:
    """Every worker has loaded the model (each logs that it is up)."""
    wait_for_log(log, "Rasa server is up and running", proc, workers, seconds)


@pytest.fixture(scope="session")
def bot(model: Path, tmp_path_factory) -> Bot:
    tmp = tmp_path_factory.mktemp("bot")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    aport, rport = free_port(), free_port()
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{aport}/webhook"}
    endpoints["tracker_store"]["db"] = str(tmp / "tracker.db")
    endpoints["lock_store"]["db"] = str(tmp / "state.db")
    (tmp / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    procs = []
    alog, rlog = ARTIFACTS / "action_server.log", ARTIFACTS / "rasa_server.log"
    try:
        procs.append(subprocess.Popen(action_server_command(aport), cwd=ROOT, env=env(),
                                      stdout=alog.open("wb"), stderr=subprocess.STDOUT, start_new_session=True))
        wait_up(f"http://127.0.0.1:{aport}/health", procs[-1], 120, alog)
        procs.append(subprocess.Popen(rasa_server_command(rport, model, tmp / "endpoints.yml", ROOT / "credentials.yml",
                                                          interface="127.0.0.1", open_api=True), cwd=ROOT,
                                      env=dict(env(), SANIC_WORKERS=str(WORKERS), STATE_DB=str(tmp / "state.db")),
                                      stdout=rlog.open("wb"), stderr=subprocess.STDOUT, start_new_session=True))
        wait_up(f"http://127.0.0.1:{rport}/status", procs[-1], 300, rlog)
        wait_for_workers(rlog, WORKERS, procs[-1])
        yield Bot(f"http://127.0.0.1:{rport}", tmp, model)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def start_rasa_server(model: Path, endpoints: Path, log: Path) -> tuple:
    """Another Rasa server process on the given endpoints (same tracker store); returns (url, process)."""
    port = free_port()
    proc = subprocess.Popen(rasa_server_command(port, model, endpoints, ROOT / "credentials.yml", interface="127.0.0.1",
                                                open_api=True),
                            cwd=ROOT, env=env(), stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    wait_up(f"http://127.0.0.1:{port}/status", proc, 300, log)
    return f"http://127.0.0.1:{port}", proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


# ------------------------------------------------------------------------------- make run, as a user runs it
def make(args: list, log: Path, extra_env: dict) -> subprocess.Popen:
    """`make ARGS` as a user types it, in a process group of its own (what the signal goes to)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(["make", *args], cwd=ROOT, env=dict(env(), **extra_env), stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def started_by(proc: subprocess.Popen) -> list:
    """Every process below `proc` (the servers run in sessions of their own, but they descend from it)."""
    return psutil.Process(proc.pid).children(recursive=True)


def kill_all(proc: subprocess.Popen) -> None:
    """What a failed test leaves running ends with it."""
    for p in started_by(proc) if proc.poll() is None else []:
        p.kill()
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def make_run(tmp_path: Path, workers: int, name: str, extra_env: Optional[dict] = None) -> tuple:
    """`make run` on free ports and a new database: (process, URL, log)."""
    port, aport = free_port(), free_port()
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    # the project's action URL (port 5055) stays: ACTIONS_PORT alone must bring the two servers together
    endpoints["tracker_store"]["db"] = str(tmp_path / "tracker.db")        # a new database
    endpoints["lock_store"]["db"] = str(tmp_path / "state.db")
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    log = ARTIFACTS / f"make_run_{name}.log"
    proc = make(["run", f"PORT={port}", f"ACTIONS_PORT={aport}", f"WORKERS={workers}",
                 f"ENDPOINTS={tmp_path / 'endpoints.yml'}"],
                log, {"STATE_DB": str(tmp_path / "state.db"), **(extra_env or {})})
    return proc, f"http://127.0.0.1:{port}", log


# ------------------------------------------------------------------------------------------- the browser
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: `make browser-deps` installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def page_origin():
    """The origin of a local page that embeds botfront's rasa-webchat (tests/bot/socketio_clients.py), for the
    socket.io client tests against `make run` and the scale-out profile."""
    from .socketio_clients import page_server          # that module imports this one
    with page_server() as origin:
        yield origin
