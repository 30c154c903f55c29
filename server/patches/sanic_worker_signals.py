"""Sanic workers that end when they are told to, also while they are still loading the model.

With several workers (`SANIC_WORKERS`), Sanic 21.12's `serve_multiple` installs a Python handler for
SIGTERM and SIGINT in the main process that forwards SIGTERM to the workers, then forks them. Each worker
inherits that handler and keeps it until its `before_server_start` listeners have run (Rasa loads the model
there, about 10 s); only then does Sanic give it the event-loop handler that stops it. A SIGTERM in that
window ran the inherited forwarder inside the worker, which sent SIGTERM to its copy of the sibling list
and carried on: the worker then served forever and the main process waited for it (`make run` did not end).

The patch wraps the function each worker runs so that the worker starts with the default SIGTERM action
(end at once: nothing is loaded yet, nothing to lose) and ignores SIGINT (the main process forwards a
Ctrl-C as SIGTERM, which is what Sanic itself does once the worker is up). Sanic's own handlers replace
these as soon as the worker is ready, so a running worker still drains its requests before it ends.
"""
from __future__ import annotations

import functools
import signal

from sanic.server import runners

from server.patches.patch import Patch

_original = runners.serve


def _reset_inherited_handlers() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@functools.wraps(_original)
def _serve(*args, **kwargs):
    if kwargs.get("run_multiple"):          # a forked worker of serve_multiple, not a single server
        _reset_inherited_handlers()
    return _original(*args, **kwargs)


PATCH = Patch("sanic_worker_signals", "sanic", "21.12.2", [(runners, "serve", _serve)])
install = PATCH.install
