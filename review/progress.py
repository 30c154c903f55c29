"""Progress on stderr for long stores: a redrawn bar on a terminal; elsewhere (CI, cron, a log file) one
line every few seconds, so logs stay readable. Counts only: never a message or a sender."""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO


class Progress:
    def __init__(self, label: str, total: int, stream: Optional[TextIO] = None, every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.total, self.done_count = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.every, self.clock = every, clock
        self.started = self._last = clock()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def advance(self, n: int = 1) -> None:
        self.done_count += n
        now = self.clock()
        if now - self._last >= (0.1 if self.tty else self.every):
            self._last = now
            self._show(now, final=False)

    def finish(self) -> None:
        self._show(self.clock(), final=True)

    def _show(self, now: float, final: bool) -> None:
        share = self.done_count / self.total if self.total else 1.0
        status = f"{self.label}: {self.done_count}/{self.total} ({share * 100:.0f} %), {now - self.started:.0f} s"
        if self.tty:
            filled = int(30 * share)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {status}" + ("\n" if final else ""))
        else:
            self.stream.write(status + "\n")
        self.stream.flush()
