"""The Rasa server as this project starts it: Rasa's own command line (`python -m server run ...` takes
every `rasa run` argument), with the patch layer installed first.

The patches (server/patches/) must be in place in the main process before Sanic forks its workers, and
whatever the model, endpoints and channels are; this entry point is the one place that runs first. The
start-up work (warm-up, gc.freeze) is one of them: server/patches/lifecycle.py.
"""
from __future__ import annotations

import logging
import sys

from server.patches import PatchError, install_all


def log_patches() -> None:
    """The patch layer's own log lines (what it installed, the start-up work) on stderr: Rasa configures
    logging only later, and for its own loggers."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s"))
    patches = logging.getLogger("server.patches")
    patches.addHandler(handler)
    patches.setLevel(logging.INFO)
    patches.propagate = False


def main() -> None:
    log_patches()
    try:
        install_all()
    except PatchError as e:
        sys.exit(f"server: {e}")
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()
