"""Engine and per-request session. The request's session commits before the response is sent."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.core.errors import DomainError

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


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


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


# scope="function": the commit happens before the response is sent, so a failed commit is a failed request.
DB = Annotated[AsyncSession, Depends(get_session, scope="function")]
