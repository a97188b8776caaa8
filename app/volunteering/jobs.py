"""Periodic jobs of volunteering (scheduled by the worker, issue #7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.volunteering import service


@periodic("volunteering.remind_upcoming", "*/5 * * * *")
async def remind_upcoming(db: AsyncSession, now: datetime) -> int:
    """Tell signed-up volunteers about tomorrow's activities (once per activity)."""
    return await service.remind_upcoming(db, now)
