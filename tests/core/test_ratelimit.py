"""Rate-limit counters: in-process by default, Redis when REDIS_URL is set (skipped when none is reachable)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from app.core.ratelimit import Limiter, MemoryLimiter, RedisLimiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3):
            return True
    except OSError:
        return False


def _limiters() -> list[object]:
    params: list[object] = [pytest.param("memory", id="memory")]
    params.append(
        pytest.param(
            "redis", id="redis", marks=pytest.mark.skipif(not _redis_reachable(), reason="no Redis here")
        )
    )
    return params


@pytest.fixture(params=_limiters())
def limiter(request: pytest.FixtureRequest) -> Limiter:
    return MemoryLimiter() if request.param == "memory" else RedisLimiter(REDIS_URL)


async def test_limit_blocks_after_n_hits_and_reset_clears(limiter: Limiter) -> None:
    key = f"t:{uuid.uuid4().hex}"
    for _ in range(3):
        assert await limiter.hit(key, 3, 60) is None
    assert await limiter.blocked(key, 3, 60) is not None
    wait = await limiter.hit(key, 3, 60)
    assert wait is not None
    assert 0 < wait <= 60
    await limiter.reset(key)
    assert await limiter.blocked(key, 3, 60) is None


async def test_keys_are_independent(limiter: Limiter) -> None:
    a, b = f"a:{uuid.uuid4().hex}", f"b:{uuid.uuid4().hex}"
    for _ in range(2):
        await limiter.hit(a, 1, 60)
    assert await limiter.blocked(a, 1, 60) is not None
    assert await limiter.blocked(b, 1, 60) is None


async def test_undo_gives_one_count_back_and_never_goes_below_zero(limiter: Limiter) -> None:
    key = f"u:{uuid.uuid4().hex}"
    for _ in range(3):
        await limiter.hit(key, 3, 60)
    await limiter.undo(key)
    assert await limiter.blocked(key, 3, 60) is None
    for _ in range(5):
        await limiter.undo(key)
    assert await limiter.hit(key, 1, 60) is None  # back at zero, not below
