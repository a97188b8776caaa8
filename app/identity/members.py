"""Who belongs to a community: the residents other domains address (survey reminders …).

A lookup of identity's own table, so that no other domain reads `users` itself.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import User


async def residents_of(db: AsyncSession, community_id: uuid.UUID) -> list[User]:
    """Active users who joined `community_id` (PATCH /me community_id), oldest account first."""
    rows = await db.execute(
        select(User)
        .where(User.community_id == community_id, User.is_active.is_(True))
        .order_by(User.created_at, User.id)
    )
    return list(rows.scalars())
