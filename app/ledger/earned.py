"""What the ledger says was earned: read-only sums for other domains (never a write, never a cache).

`volunteer_minutes(db, references, start, end)` is the net time-bank minutes that volunteer_reward
transfers with those references (``activity:<id>``) credited in [start, end), less the reversals of
them made in the same period. Community projects use it for a team's volunteer hours per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.models.ledger import Asset, Transfer, TransferKind


async def volunteer_minutes(
    db: AsyncSession, references: Sequence[str], start: datetime, end: datetime
) -> int:
    if not references:
        return 0
    earned = (
        await db.execute(
            select(func.coalesce(func.sum(Transfer.amount), 0)).where(
                Transfer.kind == TransferKind.volunteer_reward,
                Transfer.asset == Asset.hours,
                Transfer.reference.in_(list(references)),
                Transfer.created_at >= start,
                Transfer.created_at < end,
            )
        )
    ).scalar_one()
    original = aliased(Transfer)
    reversed_ = (
        await db.execute(
            select(func.coalesce(func.sum(Transfer.amount), 0))
            .join(original, original.id == Transfer.reverses_id)
            .where(
                original.kind == TransferKind.volunteer_reward,
                original.asset == Asset.hours,
                original.reference.in_(list(references)),
                Transfer.created_at >= start,
                Transfer.created_at < end,
            )
        )
    ).scalar_one()
    return int(earned) - int(reversed_)
