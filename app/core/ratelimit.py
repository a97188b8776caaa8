"""Fixed-window counters for login attempts and code guessing: in-process, or Redis when configured.

Count first, then verify (issue #18): `hit` is one atomic increment that returns whether the new count
is over the limit, so N parallel attempts can never all pass a check made before any of them counted.
An attempt that turns out not to be a guess (the right password, a code that matched something) gives
its count back with `undo`. Use `attempt()` for the whole shape.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any, Protocol

from app.core.errors import Msg, RateLimited

log = logging.getLogger(__name__)


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one event; return seconds to wait if the limit is now exceeded, else None."""

    async def blocked(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Seconds to wait if the key is over its limit, without counting an event."""

    async def undo(self, key: str) -> None:
        """Give back one counted event (never below zero): it turned out not to be a failure."""

    async def reset(self, key: str) -> None: ...


async def attempt(limiter: Limiter, checks: list[tuple[str, int, int]], message: Msg | None = None) -> None:
    """Count one attempt on every (key, limit, window) first; 429 if any is now over its limit.

    The caller then verifies, and calls `limiter.undo(key)` for each key when the attempt was not a
    failure. Every key is counted even when an earlier one is over, so the counts stay comparable.
    """
    waits = [await limiter.hit(key, limit, window) for key, limit, window in checks]
    over = [w for w in waits if w is not None]
    if over:
        raise RateLimited(max(over), message)


class MemoryLimiter:
    """Per-process counters; enough for one API process (use Redis for several).

    Bounded: expired windows are dropped as the table is used, and past `max_entries` the oldest
    entries go first (an attacker flooding distinct keys only forgets their own oldest counts, and
    the per-address limit bounds how fast they can flood).
    """

    def __init__(self, max_entries: int = 50_000) -> None:
        # key -> (count, window start, window length); dicts keep insertion order: oldest first.
        self._counts: dict[str, tuple[int, float, int]] = {}
        self._lock = asyncio.Lock()
        self._max = max_entries
        self._ops = 0

    def __len__(self) -> int:
        return len(self._counts)

    def _window(self, key: str, window_seconds: int, now: float) -> tuple[int, float]:
        count, start, _ = self._counts.get(key, (0, now, window_seconds))
        if now - start >= window_seconds:
            count, start = 0, now
        return count, start

    def _sweep(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if now - v[1] < v[2]}
        overflow = len(self._counts) - self._max
        if overflow >= 0:
            # Still full of live windows: forget the oldest tenth (and make room for this one).
            for key in list(self._counts)[: overflow + 1 + self._max // 10]:
                del self._counts[key]

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        async with self._lock:
            now = time.monotonic()
            self._ops += 1
            if key not in self._counts and (len(self._counts) >= self._max or self._ops % 1024 == 0):
                self._sweep(now)
            count, start = self._window(key, window_seconds, now)
            count += 1
            self._counts[key] = (count, start, window_seconds)
            if count > limit:
                return max(1, math.ceil(window_seconds - (now - start)))
            return None

    async def blocked(self, key: str, limit: int, window_seconds: int) -> int | None:
        async with self._lock:
            now = time.monotonic()
            count, start = self._window(key, window_seconds, now)
            if count >= limit:
                return max(1, math.ceil(window_seconds - (now - start)))
            return None

    async def undo(self, key: str) -> None:
        async with self._lock:
            entry = self._counts.get(key)
            if entry is not None and entry[0] > 0:
                self._counts[key] = (entry[0] - 1, entry[1], entry[2])

    async def reset(self, key: str) -> None:
        async with self._lock:
            self._counts.pop(key, None)


# Decrement, but never below zero and never creating a key (it may have expired meanwhile).
_UNDO = """
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisLimiter:
    """Shared counters for several API processes (REDIS_URL); keys expire with their window.

    Redis away (refused, reset, timed out) does not take sign-in down with it: each call falls back to
    this process's own counters (`MemoryLimiter`, so limits still hold per process, as without Redis)
    and logs a warning at most once a minute; the next call tries Redis again, and redis-py reconnects
    by itself. Counts made during the outage stay local and are forgotten with their window.
    """

    def __init__(self, url: str, timeout_seconds: float = 0.5) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._local = MemoryLimiter()
        self._warned_at = -math.inf

    def _fallback(self, exc: BaseException) -> MemoryLimiter:
        now = time.monotonic()
        if now - self._warned_at >= 60:
            self._warned_at = now
            log.warning("redis unavailable; counting in this process", extra={"error": repr(exc)})
        return self._local

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        name = f"linli:rl:{key}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_seconds, nx=True)
                pipe.ttl(name)
                count, _, ttl = await pipe.execute()
        except self._errors as exc:
            return await self._fallback(exc).hit(key, limit, window_seconds)
        if int(count) > limit:
            return max(1, int(ttl))
        return None

    async def blocked(self, key: str, limit: int, window_seconds: int) -> int | None:
        name = f"linli:rl:{key}"
        try:
            count = await self._redis.get(name)
            if count is not None and int(count) >= limit:
                return max(1, int(await self._redis.ttl(name)))
        except self._errors as exc:
            return await self._fallback(exc).blocked(key, limit, window_seconds)
        return await self._local.blocked(key, limit, window_seconds)

    async def undo(self, key: str) -> None:
        try:
            await self._redis.eval(_UNDO, 1, f"linli:rl:{key}")
        except self._errors as exc:
            await self._fallback(exc).undo(key)

    async def reset(self, key: str) -> None:
        await self._local.reset(key)
        try:
            await self._redis.delete(f"linli:rl:{key}")
        except self._errors as exc:
            self._fallback(exc)


def make_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()
