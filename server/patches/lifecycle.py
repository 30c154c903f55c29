"""Start-up and stop work runs once per server process, whatever channels are configured.

Once a Sanic worker has loaded the model (Rasa's `before_server_start` listener), two things are done
before it takes traffic:
- a warm-up parse and prediction on a throwaway tracker, so that TensorFlow's first call (graph setup,
  a few hundred ms) happens here and not in the first user's message; nothing is stored;
- `gc.freeze()` after a collection: the server holds millions of long-lived objects (TensorFlow, Rasa,
  the model) and every full collection walked all of them, pausing the requests in flight. They move to
  the permanent generation; later garbage is collected as before.

When it stops, the kept-alive sessions to the action server (server/patches/action_sessions.py) are
closed, instead of being left for the garbage collector (which logs each as an unclosed session).

Rasa's command line offers no hook for this, so `rasa.core.run.serve_application` is wrapped to pass two
more `server_listeners` entries, the parameter Rasa has for exactly that.
"""
from __future__ import annotations

import functools
import gc
import logging
from typing import Any

import rasa.core.run
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from server.patches import action_sessions
from server.patches.patch import Patch

logger = logging.getLogger(__name__)

_original = rasa.core.run.serve_application


async def warm_up(agent: Any) -> None:
    """One parse and one prediction on a throwaway tracker; nothing is stored."""
    if agent is None or agent.processor is None:
        return
    await agent.parse_message("hello")
    tracker = DialogueStateTracker("warm-up", agent.domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    agent.processor.predict_next_with_tracker(tracker)


def freeze_startup_objects() -> int:
    """gc.freeze() after a collection; returns how many objects are now left out of collections."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def warm_and_freeze(app: Any, *_: Any) -> None:
    """The `after_server_start` listener: the model was loaded in `before_server_start`."""
    try:
        await warm_up(getattr(app.ctx, "agent", None))
    except Exception:  # a failed warm-up only costs the first user a few hundred ms
        logger.exception("warm-up failed")
    logger.info("%d long-lived objects left out of garbage collection", freeze_startup_objects())


async def close_sessions(app: Any, *_: Any) -> None:
    """The `after_server_stop` listener."""
    closed = await action_sessions.close_all()
    if closed:
        logger.info("%d kept-alive action-server session(s) closed", closed)


LISTENERS = [(warm_and_freeze, "after_server_start"), (close_sessions, "after_server_stop")]


@functools.wraps(_original)
def _serve_application(*args: Any, server_listeners: Any = None, **kwargs: Any) -> None:
    listeners = list(server_listeners or []) + LISTENERS
    return _original(*args, server_listeners=listeners, **kwargs)


PATCH = Patch("lifecycle", "rasa", "3.6.21", [(rasa.core.run, "serve_application", _serve_application)])
install = PATCH.install
