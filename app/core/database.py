"""Engine and per-request session. The request's session commits before the response is sent."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.core.errors import DomainError

# A pooled connection idle longer than this is pinged before use; a busy one is not.
PING_IDLE_SECONDS = 30.0


def make_engine(url: str, *, ping_idle_seconds: float = PING_IDLE_SECONDS, **kwargs: Any) -> AsyncEngine:
    """The engine, without `pool_pre_ping`'s round trip on every checkout (it was one extra statement per
    request). A connection that sat idle in the pool for `ping_idle_seconds` or more is pinged when it
    is checked out; a dead one is thrown away and the checkout retried with a fresh connection (SQLAlchemy
    retries a checkout that raises `DisconnectionError`). A connection that dies while in use is
    invalidated by SQLAlchemy's disconnect handling, as before."""
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, ping_idle_seconds)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["linli_idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop("linli_idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or used a moment ago: no round trip
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(f"idle pooled connection failed its ping: {error}") from error


def make_sessionmaker(bind: Any, **kwargs: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False, **kwargs)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit on success, roll back on any exception."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except DomainError as exc:
            if exc.commit_anyway:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise


# scope="function": the commit happens before the response is sent, so a failed commit is a failed request.
DB = Annotated[AsyncSession, Depends(get_session, scope="function")]
