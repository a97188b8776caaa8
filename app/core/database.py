"""Engine and per-request session. The request's session commits before the response is sent."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.core.errors import DomainError

# A pooled connection idle longer than this is pinged before use; a busy one is not.
PING_IDLE_SECONDS = 30.0

log = logging.getLogger("linli.database")

_ON_ROLLBACK = "linli_on_rollback"
_AFTER_COMMIT = "linli_after_commit"


def on_rollback(session: AsyncSession, undo: Callable[[], Awaitable[Any]]) -> None:
    """Run `undo` if this request's transaction rolls back (or its commit fails).

    For side effects outside the database that the request made before committing, e.g. a photo
    written to storage: a rolled-back upload leaves no orphan file behind (issue #19).
    """
    session.info.setdefault(_ON_ROLLBACK, []).append(undo)


def after_commit(session: AsyncSession, then: Callable[[], Awaitable[Any]]) -> None:
    """Run `then` once this request's transaction has committed (e.g. reload an in-process cache)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(then)


async def _committed(session: AsyncSession) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    for then in session.info.pop(_AFTER_COMMIT, []):
        try:
            await then()
        except Exception:  # the data is committed; a failed follow-up is logged, not the request's error
            log.exception("after-commit step failed")


async def _undo(session: AsyncSession) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    for undo in reversed(session.info.pop(_ON_ROLLBACK, [])):
        try:
            await undo()
        except Exception:  # an undo that fails must not hide the request's own error
            log.exception("undo after rollback failed")


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
            await _committed(session)
        except DomainError as exc:
            if exc.commit_anyway:
                await session.commit()
                await _committed(session)
            else:
                await session.rollback()
                await _undo(session)
            raise
        except BaseException:
            await session.rollback()
            await _undo(session)
            raise


@contextlib.asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction outside a request — a job, a command: committed when the block ends, rolled back
    (running its `on_rollback` steps) when it raises; `after_commit` steps run after the commit. Services
    called inside still only flush. In a request, take `DB` instead: the request owns its commit."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            await _undo(session)
            raise
        await _committed(session)


# scope="function": the commit happens before the response is sent, so a failed commit is a failed request.
DB = Annotated[AsyncSession, Depends(get_session, scope="function")]
