"""A short in-process cache of resolved callers, so the hot path does not read the user and their role
grants on every request (they were ~20% of a redemption's server CPU).

An entry lives `LINLI_PRINCIPAL_CACHE_SECONDS` (default 10 s) and the table holds at most `MAX_ENTRIES`
(oldest dropped first), so memory stays bounded whatever the traffic. The price, written down in
docs/performance.md: a role revoked or an account deactivated keeps working in *another* API process for
at most that many seconds; in the process that made the change the entry is dropped at once (`forget`).
A caller with no community yet (a resident who is about to join one) is never cached.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from app.core import clock
from app.identity.principal import Principal
from app.models.identity import User

MAX_ENTRIES = 50_000

_entries: OrderedDict[uuid.UUID, tuple[datetime, Principal]] = OrderedDict()


def _snapshot(user: User) -> User:
    """A detached copy holding the row's column values: safe to keep after the request's session ends
    (a rollback expires the session's own instance) and to `merge(load=False)` into the next session."""
    copy = User(**{c.key: getattr(user, c.key) for c in User.__table__.columns})
    make_transient_to_detached(copy)
    return copy


async def lookup(db: AsyncSession, user_id: uuid.UUID, ttl_seconds: float) -> Principal | None:
    if ttl_seconds <= 0:
        return None
    entry = _entries.get(user_id)
    if entry is None:
        return None
    expires_at, principal = entry
    if clock.now() >= expires_at:
        _entries.pop(user_id, None)
        return None
    # Attach without a query: services that change the caller's own row (PATCH /me) still flush it.
    user = await db.merge(principal.user, load=False)
    return dataclasses.replace(principal, user=user)


def remember(principal: Principal, ttl_seconds: float) -> None:
    if ttl_seconds <= 0 or principal.user.community_id is None:
        return
    cached = dataclasses.replace(principal, user=_snapshot(principal.user))
    _entries[principal.id] = (clock.now() + timedelta(seconds=ttl_seconds), cached)
    _entries.move_to_end(principal.id)
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)


def forget(user_id: uuid.UUID | None = None) -> None:
    """Drop one caller (their row or roles changed in this process), or everyone."""
    if user_id is None:
        _entries.clear()
    else:
        _entries.pop(user_id, None)
