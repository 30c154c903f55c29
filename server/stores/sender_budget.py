"""Per-sender message budgets: a token bucket per sender, so that one sender cannot monopolise the server.

The channels choose the home and the sizes (channels.limits.sender_budget): this process's memory, or a
SQLite file shared by the Sanic workers of one machine.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from collections import OrderedDict
from typing import Any, Optional, Tuple

from server.stores.sqlite import ProcessSQLite, write_transaction

logger = logging.getLogger(__name__)


class SenderBudget:
    """Token bucket per sender: `allow(sender)` is False when the sender sent too much too fast."""

    def __init__(self, *, burst: int, per_minute: int, max_senders: int = 50000) -> None:
        self.burst, self.rate, self.max_senders = burst, per_minute / 60.0, max_senders
        self._buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()

    def allow(self, sender: str, now: Optional[float] = None) -> bool:
        if not self.burst or not self.rate:
            return True
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_senders:
            self._buckets.popitem(last=False)
        return allowed


class SharedSenderBudget(SenderBudget):
    """The same buckets in a SQLite file (STATE_DB), so the Sanic workers of one machine share each sender's
    budget (with separate buckets a sender would get the rate once per worker). If the file cannot be
    used, the check falls back to this process's buckets (logged)."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.db = ProcessSQLite(path, "CREATE TABLE IF NOT EXISTS sender_budget "
                                      "(sender TEXT PRIMARY KEY, tokens REAL, updated REAL)")
        self._calls = 0

    def allow(self, sender: str, now: Optional[float] = None) -> bool:
        if not self.burst or not self.rate:
            return True
        now = time.time() if now is None else now
        try:
            with write_transaction(self.db()) as db:
                row = db.execute("SELECT tokens, updated FROM sender_budget WHERE sender = ?", (sender,)).fetchone()
                tokens, last = row or (float(self.burst), now)
                tokens = min(float(self.burst), tokens + max(0.0, now - last) * self.rate)
                allowed = tokens >= 1.0
                db.execute("INSERT OR REPLACE INTO sender_budget VALUES (?, ?, ?)",
                           (sender, tokens - 1.0 if allowed else tokens, now))
                self._calls += 1
                if self._calls % 500 == 0:                 # buckets that have refilled carry no information
                    db.execute("DELETE FROM sender_budget WHERE updated < ?", (now - self.burst / self.rate,))
            return allowed
        except sqlite3.Error:
            logger.warning("sender budget: %s unusable; counting in this process", self.path)
            return super().allow(sender, time.monotonic())
