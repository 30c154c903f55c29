"""`make run`: the action server and the Rasa server (REST, web chat, WeChat), started together and stopped
together.

    python scripts/run.py --model models/model-....tar.gz [--port 5005] [--actions-port 5055] [--workers 2]

With one worker, the Rasa server listens on the port itself. With several, that many single-worker Rasa
servers listen on loopback ports behind one front on the port (scripts/front.py), which keeps each socket.io
session on the server that holds it: long-polling clients then work, which Sanic's shared-port workers
cannot offer. The servers share the SQLite stores, the per-sender budget and the WeChat state.

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
from typing import Optional
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.front import sid_prefix  # noqa: E402
from scripts.processes import (  # noqa: E402
    SANIC_STOP_ENV,
    StopRequested,
    Supervisor,
    action_server_command,
    free_port,
    front_command,
    http_ok,
    rasa_server_command,
)

STOP_TIMEOUT = 12.0             # s, from the stop signal to SIGKILL of whatever still runs


def endpoints_for(path: Path, actions_port: int) -> str:
    """The endpoints file with a local action-server URL moved to `actions_port` (YAML text)."""
    endpoints = yaml.safe_load(path.read_text()) or {}
    action = endpoints.get("action_endpoint") or {}
    url = urlparse(str(action.get("url", "")))
    if url.hostname in ("127.0.0.1", "localhost"):
        action["url"] = url._replace(netloc=f"{url.hostname}:{actions_port}").geturl()
    return yaml.safe_dump(endpoints, sort_keys=False, allow_unicode=True)


def start_assistant(supervisor: Supervisor, port: int, workers: int, model: str, endpoints: str, credentials: Path,
                    env: dict, interface: Optional[str] = None) -> None:
    """The Rasa side of `make run` on `port`: one server, or `workers` servers behind the front. Returns when
    the port answers; the API is on behind RASA_API_TOKEN only."""
    token = env.get("RASA_API_TOKEN") or None
    if workers <= 1:
        supervisor.spawn("assistant", rasa_server_command(port, model, endpoints, credentials, interface=interface,
                                                          api_token=token),
                         env=dict(env, SANIC_WORKERS="1"), cwd=ROOT, layer=1)
        supervisor.wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/"), "assistant", 600)
        return
    ports = [free_port() for _ in range(workers)]
    for i, backend_port in enumerate(ports):
        supervisor.spawn(f"assistant-{i}", rasa_server_command(backend_port, model, endpoints, credentials,
                                                                interface="127.0.0.1", api_token=token),
                         env=dict(env, SANIC_WORKERS="1", WEBCHAT_SID_PREFIX=sid_prefix(i),
                                  ASSISTANT_SERVERS=str(workers)), cwd=ROOT, layer=1)
    for i, backend_port in enumerate(ports):
        supervisor.wait_until(lambda p=backend_port: http_ok(f"http://127.0.0.1:{p}/"), f"assistant-{i}", 600)
    supervisor.spawn("front", front_command(port, [f"http://127.0.0.1:{p}" for p in ports], interface),
                     env=env, cwd=ROOT, layer=2)
    supervisor.wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/"), "front", 30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, default=5005)
    ap.add_argument("--actions-port", type=int, default=5055)
    ap.add_argument("--workers", type=int, default=2, help="Rasa servers (several: behind the front)")
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
            start_assistant(supervisor, args.port, args.workers, args.model, endpoints.name, args.credentials, env)
            print(f"the assistant answers on http://localhost:{args.port}", flush=True)
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
