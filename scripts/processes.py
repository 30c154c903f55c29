"""Servers started together and stopped together, within a bound: the process supervision of `make run`
(scripts/run.py) and `make scaleout` (scripts/cluster.py). The one home of the servers' start commands:
the launchers, the tests and the bench call `rasa_server_command` / `action_server_command`, and the
container image runs this file (`python scripts/processes.py rasa|actions ...`), which execs the same.

Each child runs in a session of its own, so a signal to the launcher's process group (Ctrl-C in a
terminal, `kill -TERM -PGID`, systemd, Kubernetes, CI) reaches the launcher alone, and the launcher stops
the children in one known order: layer by layer, the front first (a child's `layer`: the servers that
answer clients stop before the servers they call, so a request in flight still finishes its calls), each
child's stop signal to its whole process group, one shared deadline, then SIGKILL for whatever is left.
Signals that arrive while it stops only mark the stop as requested (make forwards SIGTERM a second time;
the old shell recipe re-entered its own trap on it and crashed).
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

import requests

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# How long a stopping Sanic server (Rasa, the action server) waits for open connections, such as web chat
# sockets, before it closes them: well inside the supervisor's stop timeout (Sanic's default is 15 s).
SANIC_STOP_ENV = {"SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "5"}


BIN = Path(sys.executable).parent          # the project's virtual environment


def action_server_command(port: int) -> List[str]:
    """The action server, as every launcher starts it (`make run`, `make scaleout`, the tests, the bench)."""
    return [str(BIN / "rasa"), "run", "actions", "--port", str(port)]


def rasa_server_command(port: int, model: Union[str, Path], endpoints: Union[str, Path],
                        credentials: Union[str, Path], interface: Optional[str] = None,
                        api_token: Optional[str] = None, open_api: bool = False) -> List[str]:
    """The Rasa server, as every launcher starts it: `python -m server` (Rasa's command line, with the
    patch layer installed before the workers fork). The HTTP API is on behind `api_token`, or
    without one only with `open_api` (the tests' throwaway servers on loopback)."""
    cmd = [str(BIN / "python"), "-m", "server", "run", "--port", str(port), "--model", str(model),
           "--endpoints", str(endpoints), "--credentials", str(credentials)]
    if interface:
        cmd += ["--interface", interface]
    if api_token:
        cmd += ["--enable-api", "--auth-token", api_token]
    elif open_api:
        cmd += ["--enable-api"]
    return cmd


def front_command(port: int, backends: List[str], interface: Optional[str] = None) -> List[str]:
    """`make run`'s front (scripts/front.py) on the public port, before the Rasa servers `backends`, listed in
    the order of their WEBCHAT_SID_PREFIX index."""
    cmd = [str(BIN / "python"), str(Path(__file__).resolve().parent / "front.py"), "--port", str(port)]
    if interface:
        cmd += ["--interface", interface]
    for url in backends:
        cmd += ["--backend", url]
    return cmd


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str) -> bool:
    """The readiness check of a server's URL (raises while nothing listens, which `wait_until` absorbs)."""
    return requests.get(url, timeout=2).ok


class StopRequested(Exception):
    """A stop signal arrived while the supervisor was waiting for something to start."""


class Supervisor:
    def __init__(self, stop_timeout: float = 12.0, on_log: Callable[[str], None] = print) -> None:
        self.stop_timeout = stop_timeout
        self.log = on_log
        self.procs: Dict[str, subprocess.Popen] = {}
        self.stop_signals: Dict[str, int] = {}
        self.layers: Dict[str, int] = {}
        self.logs: Dict[str, Optional[Path]] = {}
        self.commands: Dict[str, tuple] = {}            # how each child was started (restart)
        self.stop_requested: Optional[int] = None      # the first stop signal received

    # ------------------------------------------------------------------------------------------- signals
    def handle_signals(self) -> None:
        """Stop signals mark the stop as requested; the waiting loops below notice it."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, _frame) -> None:
        if self.stop_requested is None:
            self.stop_requested = signum

    def check(self) -> None:
        if self.stop_requested is not None:
            raise StopRequested(signal.Signals(self.stop_requested).name)

    # ---------------------------------------------------------------------------------------- processes
    def spawn(self, name: str, cmd: List[str], *, log: Optional[Path] = None, env: Optional[Dict[str, str]] = None,
              cwd: Optional[Path] = None, stop_signal: int = signal.SIGTERM, layer: int = 0) -> subprocess.Popen:
        """Start `cmd` in its own session; output to `log`, or to this process's own output when None.
        Higher layers stop first."""
        self.check()
        out = log.open("ab" if name in self.procs else "wb") if log else None      # a restart appends
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            if out:
                out.close()
        self.procs[name], self.stop_signals[name], self.logs[name], self.layers[name] = proc, stop_signal, log, layer
        self.commands[name] = (cmd, dict(log=log, env=env, cwd=cwd, stop_signal=stop_signal, layer=layer))
        return proc

    def restart(self, name: str, timeout: float = 30.0) -> subprocess.Popen:
        """Stop one child with its stop signal (SIGKILL after `timeout`) and start it again as it was
        started (a store restarted under load: same command, port and data); its log goes on."""
        proc = self.procs[name]
        _signal_group(proc, self.stop_signals[name])
        _signal_group(proc, signal.SIGCONT)             # a stopped process handles its stop signal only then
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(10)
        cmd, kwargs = self.commands[name]
        return self.spawn(name, cmd, **kwargs)

    def wait_until(self, check: Callable[[], bool], what: str, seconds: float) -> None:
        """Wait for `check()` to hold; fails if the process named `what` exits, time runs out or a stop is
        requested."""
        proc, logfile = self.procs.get(what), self.logs.get(what)
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.check()
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}" + (f"; see {logfile}" if logfile else ""))
            try:
                if check():
                    return
            except Exception:  # noqa: BLE001 - not up yet
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{what} not up after {seconds:.0f}s" + (f"; see {logfile}" if logfile else ""))

    def watch(self) -> Optional[str]:
        """Block until a stop is requested (returns None) or a child exits (returns its name)."""
        while self.stop_requested is None:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    return name
            time.sleep(0.2)
        return None

    def kill(self, name: str) -> None:
        """SIGKILL one child's process group (a crash, not a shutdown)."""
        proc = self.procs[name]
        _signal_group(proc, signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> List[str]:
        """Stop every child, layer by layer from the highest: its stop signal, then a wait for the layer to
        end; SIGKILL for whatever still runs at the deadline. Returns the names that had to be killed."""
        deadline = time.time() + self.stop_timeout
        for layer in sorted(set(self.layers.values()), reverse=True):
            names = [name for name in self.procs if self.layers[name] == layer]
            for name in names:
                if self.procs[name].poll() is None:
                    _signal_group(self.procs[name], self.stop_signals[name])
            for name in names:
                try:
                    self.procs[name].wait(max(0.0, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    pass
        killed = [name for name, proc in self.procs.items() if proc.poll() is None]
        for name in killed:
            self.log(f"{name} did not stop within {self.stop_timeout:.0f}s: killed")
            _signal_group(self.procs[name], signal.SIGKILL)
            self.procs[name].wait(10)
        # what a child left running in its group (its own children) ends with it
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGKILL)
        return killed


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ------------------------------------------------------------------------------- one server, in a container
def server_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python scripts/processes.py",
                                 description="Run one server as make run starts it (the container image's entrypoint).")
    servers = ap.add_subparsers(dest="server", required=True)
    rasa = servers.add_parser("rasa", help="the Rasa server; the API is on only when RASA_API_TOKEN is set")
    rasa.add_argument("--port", type=int, default=5005)
    rasa.add_argument("--model", default="models", help="a model file, or a folder: its newest model")
    rasa.add_argument("--endpoints", default="endpoints.yml")
    rasa.add_argument("--credentials", default="credentials.yml")
    rasa.add_argument("--interface", default=None)
    actions = servers.add_parser("actions", help="the action server")
    actions.add_argument("--port", type=int, default=5055)
    health = servers.add_parser("health", help="exit 0 when one of the URLs answers 200 (the image's healthcheck)")
    health.add_argument("--url", action="append", required=True)
    return ap


def server_command(argv: List[str], environ: Optional[Dict[str, str]] = None) -> List[str]:
    """The command `python scripts/processes.py <argv>` runs: the very command make run starts."""
    return command_for(server_parser().parse_args(argv), environ)


def command_for(args: argparse.Namespace, environ: Optional[Dict[str, str]] = None) -> List[str]:
    if args.server == "actions":
        return action_server_command(args.port)
    if args.server != "rasa":
        raise ValueError(f"{args.server} starts no server")
    token = (environ if environ is not None else os.environ).get("RASA_API_TOKEN") or None
    return rasa_server_command(args.port, args.model, args.endpoints, args.credentials, interface=args.interface,
                               api_token=token)


def healthy(urls: List[str]) -> bool:
    for url in urls:
        try:
            if http_ok(url):
                return True
        except requests.RequestException:
            continue
    return False


def main(argv: Optional[List[str]] = None) -> None:
    """Replace this process with the server (PID 1 in a container gets the stop signal itself)."""
    argv = sys.argv[1:] if argv is None else argv
    args = server_parser().parse_args(argv)
    if args.server == "health":
        sys.exit(0 if healthy(args.url) else 1)
    cmd = command_for(args)
    os.execve(cmd[0], cmd, dict(SANIC_STOP_ENV, **os.environ))


if __name__ == "__main__":
    main()
