"""The pool pings only a connection that sat idle (no round trip per checkout), and a dead idle connection
is replaced by a fresh one instead of failing the request (issue #17)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from app.core.database import make_engine


async def _kill_pooled_connection(url: str, ping_idle_seconds: float) -> tuple[int, object]:
    engine = make_engine(url, pool_size=1, max_overflow=0, ping_idle_seconds=ping_idle_seconds)
    killer = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with killer.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        try:
            async with engine.connect() as conn:
                return pid, (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        except exc.DBAPIError as error:
            return pid, error
    finally:
        await engine.dispose()
        await killer.dispose()


async def test_a_dead_idle_connection_is_replaced_on_checkout(database_url: str) -> None:
    before, after = await _kill_pooled_connection(database_url, ping_idle_seconds=0)
    assert isinstance(after, int)
    assert after != before


async def test_a_connection_used_a_moment_ago_is_not_pinged(database_url: str) -> None:
    # Within the idle threshold nothing is sent before use, so the dead connection shows on the first
    # statement (SQLAlchemy then invalidates it; the request fails, as with any mid-use disconnect).
    _, after = await _kill_pooled_connection(database_url, ping_idle_seconds=3600)
    if not isinstance(after, exc.DBAPIError):
        pytest.fail(f"the dead connection was used without a ping, yet it answered: {after!r}")
    assert after.connection_invalidated
