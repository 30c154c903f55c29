"""The README's run command, as a user types it: `make run` starts both servers and the assistant answers."""
import os
import signal
import subprocess

import requests
import yaml

from .conftest import ARTIFACTS, ROOT, env, free_port, wait_up


def test_make_run_starts_the_assistant(model, tmp_path):
    port, aport = free_port(), free_port()
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    # the project's action URL (port 5055) stays: ACTIONS_PORT alone must bring the two servers together
    endpoints["tracker_store"]["db"] = str(tmp_path / "tracker.db")
    (tmp_path / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    log = ARTIFACTS / "make_run.log"
    ARTIFACTS.mkdir(exist_ok=True)
    proc = subprocess.Popen(["make", "run", f"PORT={port}", f"ACTIONS_PORT={aport}", f"ENDPOINTS={tmp_path / 'endpoints.yml'}"],
                            cwd=ROOT, env=env(), stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_up(f"http://127.0.0.1:{port}/", proc, 180, log)       # /status needs the API, which stays closed
        r = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": "qs", "message": "UK number for Office 365"},
                          timeout=30)
        assert "0800 032 6417" in " ".join(m.get("text", "") for m in r.json())
        assert requests.get(f"http://127.0.0.1:{port}/conversations/qs/tracker", timeout=10).status_code in (401, 403, 404)  # no API without a token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
