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


# One bucket, atomically: refill by the time since the last message (Redis's own clock, the same for every
# replica), take a token if there is one, and let the key expire once the bucket would be full again.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, last = tonumber(held[1]) or burst, tonumber(held[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return allowed
"""


class RedisSenderBudget(SenderBudget):
    """The buckets in Redis (REDIS_URL, the scale-out profile), so every replica counts against one budget per
    sender (with a bucket per replica, N replicas allowed N times the rate). One Lua script per message keeps
    the read, refill and take atomic. The check runs in the request handler, so Redis gets a short timeout;
    if it cannot be reached, this process's buckets count for `COOL_DOWN_S` before Redis is tried again
    (logged): users are never refused because the budget's store is down."""

    PREFIX = "budget:"
    TIMEOUT_S = 0.25
    COOL_DOWN_S = 5.0

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        import redis
        self.redis = redis.Redis.from_url(url, socket_timeout=self.TIMEOUT_S, socket_connect_timeout=self.TIMEOUT_S)
        self._take = self.redis.register_script(_TAKE)
        self._unusable = (redis.RedisError, OSError)
        self._local_until = 0.0

    def allow(self, sender: str, now: Optional[float] = None) -> bool:
        if not self.burst or not self.rate:
            return True
        if time.monotonic() >= self._local_until:
            try:
                return bool(self._take(keys=[self.PREFIX + sender], args=[self.burst, self.rate]))
            except self._unusable as error:                   # unreachable, timed out: count here for a while
                self._local_until = time.monotonic() + self.COOL_DOWN_S
                logger.warning("sender budget: Redis unusable (%s); counting in this process for %.0f s",
                               error.__class__.__name__, self.COOL_DOWN_S)
        return super().allow(sender, now)
