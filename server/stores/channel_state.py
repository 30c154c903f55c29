"""What the WeChat channel remembers between requests: one bot turn per WeChat message (a retry awaits the
first request's result) and each user's last numbered button list.

Three homes, chosen by the channel (channels.wechat.channel_state): this process's memory; a SQLite file
shared by the Sanic workers of one machine; Redis, shared by replicas on several machines.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

from server.stores.sqlite import ProcessSQLite

logger = logging.getLogger(__name__)

DEDUP_TTL = 600                     # seconds a turn's result is kept for WeChat's retries
DEDUP_MAX = 10000


class ClaimLost(Exception):
    """The process that claimed a WeChat message stopped renewing its claim before publishing a result."""


class LocalState:
    """What the channel remembers, in this process: one bot turn per WeChat message (retries await the first
    request's result, kept DEDUP_TTL seconds) and each user's last numbered button list."""

    def __init__(self) -> None:
        self._turns: "OrderedDict[str, Tuple[float, asyncio.Future]]" = OrderedDict()
        self._buttons: "OrderedDict[str, List[str]]" = OrderedDict()

    def _future(self, key: str) -> asyncio.Future:
        now = time.monotonic()
        while self._turns and (len(self._turns) > DEDUP_MAX or next(iter(self._turns.values()))[0] < now - DEDUP_TTL):
            self._turns.popitem(last=False)
        if key not in self._turns:
            self._turns[key] = (now, asyncio.get_running_loop().create_future())
        return self._turns[key][1]

    async def claim(self, key: str) -> bool:
        """True for the first request carrying `key` (it runs the turn), False for a retry."""
        fresh = key not in self._turns
        self._future(key)
        return fresh

    async def publish(self, key: str, result: Tuple[str, List[str]]) -> None:
        future = self._future(key)
        if not future.done():
            future.set_result(result)

    async def wait(self, key: str, timeout: float) -> Tuple[str, List[str]]:
        """The turn's (first piece, remaining pieces); asyncio.TimeoutError if not ready in `timeout`."""
        return await asyncio.wait_for(asyncio.shield(self._future(key)), timeout)

    async def release(self, key: str) -> None:
        """Forget a turn that could not be stored: WeChat's next try of the message runs it again."""
        self._turns.pop(key, None)

    async def buttons(self, openid: str) -> List[str]:
        return self._buttons.get(openid, [])

    async def set_buttons(self, openid: str, payloads: List[str]) -> None:
        self._buttons.pop(openid, None)
        if payloads:
            self._buttons[openid] = payloads
            while len(self._buttons) > DEDUP_MAX:
                self._buttons.popitem(last=False)


class SharedState(LocalState):
    """The same, shared by processes through a key-value store: a retry that lands on another process joins
    the turn started by the first one (a set-if-absent claims it; the result is published under the same
    key), and button lists follow the user. If the store cannot be reached, each call falls back to this
    process's memory (logged): users still get answers, only cross-process deduplication is lost meanwhile.

    A claim lives CLAIM_TTL seconds and the process running the turn renews it until the result is out;
    then it is kept DEDUP_TTL seconds. If that process dies, its claim expires within seconds and WeChat's
    next try (about 5 s later) claims the message on another process and is answered."""

    PREFIX = "wechat:"
    CLAIM_TTL = 3                   # seconds; renewed every CLAIM_TTL / 3 while the turn runs

    def __init__(self) -> None:
        super().__init__()
        self._renewals: Dict[str, "asyncio.Task[None]"] = {}

    async def _set(self, key: str, value: str, ttl: float, only_if_absent: bool = False) -> bool:
        raise NotImplementedError

    async def _get(self, key: str) -> Optional[str]:
        raise NotImplementedError

    async def _delete(self, key: str) -> None:
        raise NotImplementedError

    def _down(self, what: str) -> None:
        logger.warning("wechat: %s unavailable (%s); using this process's memory", type(self).__name__, what)

    async def claim(self, key: str) -> bool:
        try:
            claimed = await self._set(f"{self.PREFIX}turn:{key}", "pending", self.CLAIM_TTL, only_if_absent=True)
            # a claim taken after the result was out (a renewal raced the publication): the retry joins it
            claimed = claimed and await self._get(f"{self.PREFIX}result:{key}") is None
        except Exception:  # noqa: BLE001 - any store failure
            self._down("claim")
            return await super().claim(key)
        if claimed:
            future = self._future(key)
            self._renewals[key] = asyncio.get_running_loop().create_task(self._renew(key, future))
        return claimed

    async def _renew(self, key: str, future: asyncio.Future) -> None:
        """Keep the claim while this process runs the turn."""
        try:
            while True:
                await asyncio.sleep(self.CLAIM_TTL / 3)
                if future.done():
                    return
                try:
                    await self._set(f"{self.PREFIX}turn:{key}", "pending", self.CLAIM_TTL)
                except Exception:  # noqa: BLE001
                    self._down("renew")
        finally:
            self._renewals.pop(key, None)

    def _stop_renewing(self, key: str) -> None:
        renewal = self._renewals.pop(key, None)
        if renewal is not None:
            renewal.cancel()

    async def publish(self, key: str, result: Tuple[str, List[str]]) -> None:
        await super().publish(key, result)
        self._stop_renewing(key)
        try:
            await self._set(f"{self.PREFIX}result:{key}", json.dumps(result, ensure_ascii=False), DEDUP_TTL)
            await self._set(f"{self.PREFIX}turn:{key}", "done", DEDUP_TTL)
        except Exception:  # noqa: BLE001
            self._down("publish")

    async def wait(self, key: str, timeout: float) -> Tuple[str, List[str]]:
        """As LocalState.wait; ClaimLost when the turn was claimed elsewhere and that claim ran out with no
        result (the process running it died): the caller may claim the message and run the turn itself."""
        if key in self._turns:                              # started here: no polling
            return await super().wait(key, timeout)
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            try:
                raw = await self._get(f"{self.PREFIX}result:{key}")
                if raw is None and polls % 10 == 9 and await self._get(f"{self.PREFIX}turn:{key}") is None and \
                        await self._get(f"{self.PREFIX}result:{key}") is None:
                    raise ClaimLost(key)
            except ClaimLost:
                raise
            except Exception:  # noqa: BLE001
                self._down("wait")
                raw = None
            if raw is not None:
                first, rest = json.loads(raw)
                return first, list(rest)
            if time.monotonic() >= deadline:
                raise asyncio.TimeoutError
            polls += 1
            await asyncio.sleep(0.05)

    async def release(self, key: str) -> None:
        await super().release(key)
        self._stop_renewing(key)
        try:
            await self._delete(f"{self.PREFIX}result:{key}")
            await self._delete(f"{self.PREFIX}turn:{key}")
        except Exception:  # noqa: BLE001
            self._down("release")

    async def buttons(self, openid: str) -> List[str]:
        try:
            raw = await self._get(f"{self.PREFIX}buttons:{openid}")
        except Exception:  # noqa: BLE001
            self._down("buttons")
            return await super().buttons(openid)
        return json.loads(raw) if raw else []

    async def set_buttons(self, openid: str, payloads: List[str]) -> None:
        await super().set_buttons(openid, payloads)
        key = f"{self.PREFIX}buttons:{openid}"
        try:
            if payloads:
                await self._set(key, json.dumps(payloads, ensure_ascii=False), 24 * 3600)
            else:
                await self._delete(key)
        except Exception:  # noqa: BLE001
            self._down("set_buttons")


class RedisState(SharedState):
    """Shared by replicas on several machines through Redis (REDIS_URL, the scale-out profile)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio
        self.redis = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    async def _set(self, key: str, value: str, ttl: float, only_if_absent: bool = False) -> bool:
        return bool(await self.redis.set(key, value, nx=only_if_absent, px=max(1, int(ttl * 1000))))

    async def _get(self, key: str) -> Optional[str]:
        raw = await self.redis.get(key)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def _delete(self, key: str) -> None:
        await self.redis.delete(key)


class SQLiteState(SharedState):
    """Shared by the Sanic workers of one machine through a SQLite file (STATE_DB), when `make run`
    starts more than one worker and there is no Redis: WeChat's retry of a message may reach another worker."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.db = ProcessSQLite(path, "CREATE TABLE IF NOT EXISTS wechat_state "
                                      "(key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL)")
        self._writes = 0

    async def _set(self, key: str, value: str, ttl: float, only_if_absent: bool = False) -> bool:
        now = time.time()
        self._writes += 1
        db = self.db()
        if self._writes % 200 == 0:
            db.execute("DELETE FROM wechat_state WHERE expires < ?", (now,))
        if only_if_absent:
            db.execute("DELETE FROM wechat_state WHERE key = ? AND expires < ?", (key, now))
            inserted = db.execute("INSERT OR IGNORE INTO wechat_state VALUES (?, ?, ?)", (key, value, now + ttl))
            return inserted.rowcount == 1
        db.execute("INSERT OR REPLACE INTO wechat_state VALUES (?, ?, ?)", (key, value, now + ttl))
        return True

    async def _get(self, key: str) -> Optional[str]:
        row = self.db().execute("SELECT value FROM wechat_state WHERE key = ? AND expires >= ?",
                                (key, time.time())).fetchone()
        return row[0] if row else None

    async def _delete(self, key: str) -> None:
        self.db().execute("DELETE FROM wechat_state WHERE key = ?", (key,))
