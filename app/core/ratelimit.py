"""Fixed-window counters for login attempts and code guessing: in-process, or Redis when configured."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, Protocol


class Limiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one event; return seconds to wait if the limit is now exceeded, else None."""

    async def blocked(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Seconds to wait if the key is over its limit, without counting an event."""

    async def reset(self, key: str) -> None: ...


class MemoryLimiter:
    """Per-process counters; enough for one API process (use Redis for several)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = asyncio.Lock()

    def _window(self, key: str, window_seconds: int) -> tuple[int, float]:
        now = time.monotonic()
        count, start = self._counts.get(key, (0, now))
        if now - start >= window_seconds:
            count, start = 0, now
        return count, start

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        async with self._lock:
            count, start = self._window(key, window_seconds)
            count += 1
            self._counts[key] = (count, start)
            if count > limit:
                return max(1, math.ceil(window_seconds - (time.monotonic() - start)))
            return None

    async def blocked(self, key: str, limit: int, window_seconds: int) -> int | None:
        async with self._lock:
            count, start = self._window(key, window_seconds)
            if count >= limit:
                return max(1, math.ceil(window_seconds - (time.monotonic() - start)))
            return None

    async def reset(self, key: str) -> None:
        async with self._lock:
            self._counts.pop(key, None)


class RedisLimiter:
    """Shared counters for several API processes (REDIS_URL)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url)

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        name = f"linli:rl:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        if int(count) > limit:
            return max(1, int(ttl))
        return None

    async def blocked(self, key: str, limit: int, window_seconds: int) -> int | None:
        name = f"linli:rl:{key}"
        count = await self._redis.get(name)
        if count is not None and int(count) >= limit:
            return max(1, int(await self._redis.ttl(name)))
        return None

    async def reset(self, key: str) -> None:
        await self._redis.delete(f"linli:rl:{key}")


def make_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else MemoryLimiter()
