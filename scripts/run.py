"""`make run`: the action server and the Rasa server (REST, web chat, WeChat), started together and stopped
together.

    python scripts/run.py --model models/model-....tar.gz [--port 5005] [--actions-port 5055] [--workers 2]

SIGTERM, SIGINT (Ctrl-C) or SIGHUP, to this process or to its whole process group, stops both servers
within STOP_TIMEOUT seconds and exits 0: the Rasa workers finish the requests they are answering (each
answer is stored before it is sent), then the action server ends. If either server exits by itself, the
other is stopped and the exit status is 1. With `RASA_API_TOKEN` set, the HTTP API is on behind that token.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.processes import (SANIC_STOP_ENV, StopRequested, Supervisor, action_server_command,  # noqa: E402
                               http_ok, rasa_server_command)

STOP_TIMEOUT = 12.0             # s, from the stop signal to SIGKILL of whatever still runs


def endpoints_for(path: Path, actions_port: int) -> str:
    """The endpoints file with a local action-server URL moved to `actions_port` (YAML text)."""
    endpoints = yaml.safe_load(path.read_text()) or {}
    action = endpoints.get("action_endpoint") or {}
    url = urlparse(str(action.get("url", "")))
    if url.hostname in ("127.0.0.1", "localhost"):
        action["url"] = url._replace(netloc=f"{url.hostname}:{actions_port}").geturl()
    return yaml.safe_dump(endpoints, sort_keys=False, allow_unicode=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, default=5005)
    ap.add_argument("--actions-port", type=int, default=5055)
    ap.add_argument("--workers", type=int, default=2, help="Rasa server processes (Sanic workers)")
    ap.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    ap.add_argument("--credentials", type=Path, default=ROOT / "credentials.yml")
    ap.add_argument("--action-log", type=Path, default=ROOT / "action_server.log")
    args = ap.parse_args()

    supervisor = Supervisor(STOP_TIMEOUT, on_log=lambda msg: print(msg, file=sys.stderr, flush=True))
    supervisor.handle_signals()
    env = dict(SANIC_STOP_ENV, **os.environ)
    with tempfile.NamedTemporaryFile("w", suffix=".yml", prefix="endpoints-") as endpoints:
        endpoints.write(endpoints_for(args.endpoints, args.actions_port))
        endpoints.flush()
        try:
            print(f"starting the action server on {args.actions_port} (log: {args.action_log}) and the assistant on "
                  f"http://localhost:{args.port}; Ctrl-C stops both", flush=True)
            supervisor.spawn("action server", action_server_command(args.actions_port), log=args.action_log, env=env,
                             cwd=ROOT)
            supervisor.wait_until(lambda: http_ok(f"http://127.0.0.1:{args.actions_port}/health"), "action server", 60)
            print(f"web chat demo: http://localhost:{args.port}/webhooks/webchat/demo   terminal: make shell",
                  flush=True)
            cmd = rasa_server_command(args.port, args.model, endpoints.name, args.credentials,
                                      api_token=os.environ.get("RASA_API_TOKEN"))
            supervisor.spawn("assistant", cmd, env=dict(env, SANIC_WORKERS=str(args.workers)), cwd=ROOT, layer=1)
            exited = supervisor.watch()
        except StopRequested:
            exited = None
        except RuntimeError as e:
            print(e, file=sys.stderr, flush=True)
            supervisor.stop()
            return 1
        if exited:
            print(f"the {exited} exited with status {supervisor.procs[exited].returncode}; stopping", file=sys.stderr,
                  flush=True)
        supervisor.stop()
    return 1 if exited else 0


if __name__ == "__main__":
    sys.exit(main())
