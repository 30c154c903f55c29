"""The Rasa server as this project starts it: Rasa's own command line (`python -m components.server run
...` takes every `rasa` argument), with the process-level fixes installed before Rasa starts its workers.

A fix that must act in the main process before Sanic forks cannot wait for a component or a channel to be
imported: which of those load, and in which process, depends on the configuration. This entry point is
the one place that runs first, whatever the model, endpoints and channels are.
"""
from __future__ import annotations

import sys

from components import worker_signals


def main() -> None:
    worker_signals.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
