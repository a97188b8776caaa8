"""Rate-limit counters: in-process by default, Redis when REDIS_URL is set (skipped when none is reachable)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from app.core.ratelimit import Limiter, MemoryLimiter, RedisLimiter
from app.models.identity import Role
from tests.support.factories import TEST_SETTINGS, make_user

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


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


async def test_redis_away_falls_back_to_this_process_and_keeps_the_limit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RedisLimiter(f"redis://127.0.0.1:{_closed_port()}/0", timeout_seconds=0.2)
    key = f"t:{uuid.uuid4().hex}"
    for _ in range(3):
        assert await limiter.hit(key, 3, 60) is None
    assert await limiter.blocked(key, 3, 60) is not None
    assert await limiter.hit(key, 3, 60) is not None
    await limiter.undo(key)
    await limiter.reset(key)
    assert await limiter.blocked(key, 3, 60) is None
    warnings = [r for r in caplog.records if "redis unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not once per call


async def test_sign_in_still_works_and_locks_out_while_redis_is_away(client, db, world, app) -> None:  # type: ignore[no-untyped-def]
    app.state.limiter = RedisLimiter(f"redis://127.0.0.1:{_closed_port()}/0", timeout_seconds=0.2)
    await make_user(db, username="desk9", password="correct horse", roles=[(Role.staff, world.community)])
    ok = await client.post("/api/v1/auth/token", data={"username": "desk9", "password": "correct horse"})
    assert ok.status_code == 200, ok.text
    for _ in range(TEST_SETTINGS.login_attempts_per_window):
        r = await client.post("/api/v1/auth/token", data={"username": "desk9", "password": "wrong"})
        assert (r.status_code, r.json()["code"]) == (401, "bad_credentials")
    locked = await client.post("/api/v1/auth/token", data={"username": "desk9", "password": "correct horse"})
    assert (locked.status_code, locked.json()["code"]) == (429, "rate_limited")
