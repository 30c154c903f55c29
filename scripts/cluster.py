"""The scale-out profile, started locally: PostgreSQL tracker store, Redis lock store (and WeChat state),
several Rasa replicas and action-server replicas behind nginx, all on loopback.

    make scaleout                       # or: python scripts/cluster.py [--rasa 2] [--actions 2] [--port 8080]
    python scripts/cluster.py --postgres-url postgresql://rasa:secret@db.internal:5432/rasa \\
                              --redis-url redis://cache.internal:6379/0     # existing infrastructure

Without --postgres-url / --redis-url it starts its own `postgres` and `redis-server` (Debian's packages) in a
temporary directory. nginx balances POST /webhooks/... round-robin over the Rasa replicas (a request whose
replica refuses the connection goes to the next; a request already sent is never re-sent by nginx: POST is
not idempotent, the client retries with the same `message_id`, see channels/rest.py), socket.io by client
address (long-polling needs stickiness), and the action calls of every replica over the action servers.

The same class runs the scale-out tests (tests/bot/test_scaleout.py), which is why it can kill one replica.
Ctrl-C stops everything it started.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from scripts.processes import (  # noqa: E402
    SANIC_STOP_ENV,
    StopRequested,
    Supervisor,
    action_server_command,
    free_port,
    http_ok,
    rasa_server_command,
)

LOCK_LIFETIME = 10          # s; a replica killed while holding a conversation's lock blocks it at most this long


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def find_binary(name: str) -> str:
    """A server binary from PATH or Debian's locations (PostgreSQL keeps its binaries off PATH)."""
    found = shutil.which(name) \
        or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None) \
        or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if not found:
        raise SystemExit(f"{name} not found: install Debian's postgresql, redis-server and nginx (make services-deps)")
    return found


def start_postgres(supervisor: Supervisor, logdir: Path, name: str = "postgres") -> tuple:
    """Debian's PostgreSQL in a new directory under /tmp (the server refuses to run as root and must be able
    to reach it), database `rasa` created; returns (url, data directory). Stopped with SIGINT (fast
    shutdown: SIGTERM would wait for every client to disconnect)."""
    port = free_port()
    pgdata = tempfile.mkdtemp(prefix="assistant-pg-")
    user = "postgres" if os.geteuid() == 0 else None
    as_user = ["runuser", "-u", user, "--"] if user else []
    if user:
        shutil.chown(pgdata, user)
    initdb = [find_binary("initdb"), "-D", f"{pgdata}/data", "-U", "rasa", "-A", "trust", "-E", "UTF8", "--no-sync"]
    subprocess.run(as_user + initdb, check=True, capture_output=True, timeout=120)
    supervisor.spawn(name, as_user + [find_binary("postgres"), "-D", f"{pgdata}/data", "-p", str(port), "-k", pgdata,
                                      "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
                     log=logdir / f"{name}.log", cwd=ROOT, stop_signal=signal.SIGINT)
    psql = [find_binary("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "rasa", "-d", "postgres"]
    supervisor.wait_until(
        lambda: subprocess.run(psql + ["-c", "select 1"], capture_output=True, timeout=5).returncode == 0,
        name, 60)
    subprocess.run(psql + ["-c", "CREATE DATABASE rasa"], check=True, capture_output=True, timeout=30)
    return f"postgresql://rasa@127.0.0.1:{port}/rasa", pgdata


class Cluster:
    def __init__(self, workdir: Path, model: Path, rasa: int = 2, actions: int = 2, port: Optional[int] = None,
                 postgres_url: str = "", redis_url: str = "", extra_env: Optional[Dict[str, str]] = None) -> None:
        self.workdir, self.model, self.n_rasa, self.n_actions = workdir, model, rasa, actions
        self.port = port or free_port()
        self.actions_port = free_port()
        self.postgres_url, self.redis_url = postgres_url, redis_url
        self.extra_env = extra_env or {}
        self.supervisor = Supervisor(on_log=log)
        self.procs = self.supervisor.procs
        self.rasa_ports: List[int] = []
        self.pgdata: Optional[str] = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replica_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[i]}"

    # ------------------------------------------------------------------------------------------ processes
    # stop order (highest first): the Rasa replicas drain the requests they are answering (nginx, which
    # also carries their action calls, still runs; a new client request gets 502 and can be retried), then
    # nginx finishes what it carries (SIGQUIT: graceful), then the action servers, then the stores
    LAYERS = {"rasa": 3, "nginx": 2, "actions": 1}

    def _spawn(self, name: str, cmd: List[str], env: Optional[Dict[str, str]] = None,
               stop_signal: int = signal.SIGTERM) -> subprocess.Popen:
        return self.supervisor.spawn(name, cmd, log=self.workdir / f"{name}.log", env=env, cwd=ROOT,
                                     stop_signal=stop_signal, layer=self.LAYERS.get(name.split("-")[0], 0))

    def _start_redis(self) -> str:
        port = free_port()
        self._spawn("redis", [find_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", str(self.workdir)])
        import redis
        self.supervisor.wait_until(lambda: redis.Redis(port=port, socket_timeout=1).ping(), "redis", 30)
        return f"redis://127.0.0.1:{port}/0"

    def rasa_env(self) -> Dict[str, str]:
        """What endpoints.scaleout.yml reads, from the two URLs."""
        db, cache = urlparse(self.postgres_url), urlparse(self.redis_url)
        return dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
                    SQLALCHEMY_SILENCE_UBER_WARNING="1", TICKET_LOCK_LIFETIME=str(LOCK_LIFETIME),
                    DB_HOST=db.hostname or "127.0.0.1", DB_PORT=str(db.port or 5432),
                    DB_NAME=db.path.lstrip("/") or "rasa",
                    DB_USER=db.username or "rasa", DB_PASSWORD=db.password or "",
                    REDIS_HOST=cache.hostname or "127.0.0.1", REDIS_PORT=str(cache.port or 6379),
                    REDIS_DB=(cache.path.lstrip("/") or "0"), REDIS_PASSWORD=cache.password or "",
                    REDIS_URL=self.redis_url,
                    ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.actions_port}/webhook", **SANIC_STOP_ENV,
                    **self.extra_env)

    def create_tracker_tables(self) -> None:
        """Rasa's tracker tables, created once before the replicas start: replicas opening a new database at
        the same moment both try to create them, and the loser logs the failed CREATE TABLE. Existing tables
        are left as they are (SQLAlchemy checks first)."""
        code = ("import os; from rasa.core.tracker_store import SQLTrackerStore as S; "
                "S(dialect='postgresql', host=os.environ['DB_HOST'], port=os.environ['DB_PORT'], "
                "db=os.environ['DB_NAME'], username=os.environ['DB_USER'], password=os.environ['DB_PASSWORD'])")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.rasa_env(), capture_output=True,
                             text=True, timeout=180)
        if out.returncode != 0:
            raise RuntimeError(f"creating the tracker tables failed: {out.stderr[-1000:]}")

    def start_rasa(self, i: int) -> None:
        name = f"rasa-{i}"
        env = self.rasa_env()
        cmd = rasa_server_command(self.rasa_ports[i], self.model, ROOT / "endpoints.scaleout.yml",
                                  ROOT / "credentials.yml", interface="127.0.0.1", api_token=env.get("RASA_API_TOKEN"))
        self._spawn(name, cmd, env=env)

    def wait_rasa(self, i: int, seconds: float = 300) -> None:
        # Rasa loads the model before it accepts connections: an answer from "/" means ready
        self.supervisor.wait_until(lambda: http_ok(f"{self.replica_url(i)}/"), f"rasa-{i}", seconds)

    def _write_nginx(self) -> Path:
        conf = self.workdir / "nginx.conf"
        rasa = "\n".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=5s;" for p in self.rasa_ports)
        actions = "\n".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=5s;" for p in self.action_ports)
        tmp = self.workdir / "nginx"
        tmp.mkdir(exist_ok=True)
        conf.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {self.workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {self.workdir}/nginx-access.log;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  client_max_body_size 256k;
  proxy_connect_timeout 2s; proxy_read_timeout 60s;
  proxy_next_upstream error timeout http_502 http_503;   # POST: only when it was not sent (nginx's rule)
  upstream rasa {{
{rasa}
  }}
  upstream rasa_sticky {{
    ip_hash;
{rasa}
  }}
  upstream actions {{
{actions}
  }}
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{self.port};
    location /socket.io/ {{
      proxy_pass http://rasa_sticky; proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
    location / {{ proxy_pass http://rasa; proxy_set_header Host $http_host;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }}
  }}
  server {{
    listen 127.0.0.1:{self.actions_port};
    location / {{ proxy_pass http://actions; }}
  }}
}}
""")
        return conf

    def start(self) -> "Cluster":
        t0 = time.time()
        if not self.postgres_url:
            log("starting PostgreSQL (tracker store)...")
            self.postgres_url, self.pgdata = start_postgres(self.supervisor, self.workdir)
        if not self.redis_url:
            log("starting Redis (lock store, WeChat state)...")
            self.redis_url = self._start_redis()
        self.action_ports = [free_port() for _ in range(self.n_actions)]
        self.rasa_ports = [free_port() for _ in range(self.n_rasa)]
        log(f"starting {self.n_actions} action server(s) and {self.n_rasa} Rasa replica(s)...")
        for i, port in enumerate(self.action_ports):
            self._spawn(f"actions-{i}", action_server_command(port), env=self.rasa_env())
        self.create_tracker_tables()
        for i in range(self.n_rasa):
            self.start_rasa(i)
        conf = self._write_nginx()
        self._spawn("nginx", [find_binary("nginx"), "-c", str(conf), "-p", str(self.workdir)],
                    stop_signal=signal.SIGQUIT)
        for i, port in enumerate(self.action_ports):
            self.supervisor.wait_until(lambda port=port: http_ok(f"http://127.0.0.1:{port}/health"),
                                       f"actions-{i}", 120)
        for i in range(self.n_rasa):
            self.wait_rasa(i)
            log(f"rasa-{i} ready on {self.replica_url(i)}")
        self.supervisor.wait_until(lambda: http_ok(f"{self.url}/webhooks/rest/"), "nginx", 30)
        log(f"ready in {time.time() - t0:.0f}s: {self.url} (logs in {self.workdir})")
        return self

    def kill(self, name: str) -> None:
        """SIGKILL one process (a crash, not a shutdown)."""
        self.supervisor.kill(name)

    def terminate_database_clients(self) -> int:
        """Terminate every client connection of the tracker database, as a failover or a restart does;
        returns how many there were."""
        import psycopg2
        conn = psycopg2.connect(self.postgres_url)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = 'rasa' AND pid <> pg_backend_pid()")
                return int(cur.fetchone()[0])
        finally:
            conn.close()

    def stop(self) -> None:
        self.supervisor.stop()
        if self.pgdata:
            shutil.rmtree(self.pgdata, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rasa", type=int, default=2, help="Rasa replicas (default 2)")
    ap.add_argument("--actions", type=int, default=2, help="action-server replicas (default 2)")
    ap.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)), help="nginx port (default 8080)")
    ap.add_argument("--postgres-url", default=os.environ.get("POSTGRES_URL", ""),
                    help="use this database instead of starting one")
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""),
                    help="use this Redis instead of starting one")
    ap.add_argument("--workdir", default="", help="logs and Redis files (default: a temporary directory)")
    args = ap.parse_args()
    model = subprocess.run([sys.executable, str(ROOT / "scripts" / "train.py")], cwd=ROOT, capture_output=True,
                           text=True)
    if model.returncode != 0:
        raise SystemExit(model.stderr[-2000:])
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="assistant-cluster-"))
    cluster = Cluster(workdir, Path(model.stdout.strip().splitlines()[-1]), args.rasa, args.actions, args.port,
                      args.postgres_url, args.redis_url)
    cluster.supervisor.handle_signals()
    status = 0
    try:
        cluster.start()
        log(f"REST: {cluster.url}/webhooks/rest/webhook   web chat: {cluster.url}/webhooks/webchat/demo   Ctrl-C stops")
        exited = cluster.supervisor.watch()
        if exited:
            log(f"{exited} exited with status {cluster.procs[exited].returncode}; stopping (see {workdir})")
            status = 1
    except StopRequested:
        pass
    except RuntimeError as e:
        log(f"{e}; stopping")
        status = 1
    finally:
        cluster.stop()
        log("stopped")
    sys.exit(status)


if __name__ == "__main__":
    main()
