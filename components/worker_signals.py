"""Sanic workers that end when they are told to, also while they are still loading the model.

With several workers (`SANIC_WORKERS`), Sanic 21.12's `serve_multiple` installs a Python handler for
SIGTERM and SIGINT in the main process that forwards SIGTERM to the workers, then forks them. Each worker
inherits that handler and keeps it until its `before_server_start` listeners have run (Rasa loads the model
there, about 10 s); only then does Sanic give it the event-loop handler that stops it. A SIGTERM in that
window ran the inherited forwarder inside the worker, which sent SIGTERM to its copy of the sibling list
and carried on: the worker then served forever and the main process waited for it (`make run` did not end).

`install()` wraps the function each worker runs so that the worker starts with the default SIGTERM action
(end at once: nothing is loaded yet, nothing to lose) and ignores SIGINT (the main process forwards a
Ctrl-C as SIGTERM, which is what Sanic itself does once the worker is up). Sanic's own handlers replace
these as soon as the worker is ready, so a running worker still drains its requests before it ends.
"""
from __future__ import annotations

import functools
import logging
import signal

logger = logging.getLogger(__name__)

SANIC_VERSION = "21.12.2"          # the version whose serve_multiple/serve this was read from


def _reset_inherited_handlers() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def install() -> None:
    import sanic
    from sanic.server import runners

    if getattr(runners.serve, "resets_inherited_signals", False):
        return
    if sanic.__version__ != SANIC_VERSION:
        logger.warning(f"components.worker_signals was written for Sanic {SANIC_VERSION}, not {sanic.__version__}: "
                       "not installed (check serve_multiple's signal handling before updating SANIC_VERSION)")
        return
    serve = runners.serve

    @functools.wraps(serve)
    def serve_in_worker(*args, **kwargs):
        if kwargs.get("run_multiple"):          # a forked worker of serve_multiple, not a single server
            _reset_inherited_handlers()
        return serve(*args, **kwargs)

    serve_in_worker.resets_inherited_signals = True
    runners.serve = serve_in_worker
