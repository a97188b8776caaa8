"""Periodic jobs of the holidays domain (scheduled by the worker)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.holidays import service
from app.identity.service import staff_and_admins


@periodic("holidays.warn_next_year_unknown", "0 9 * * *")
async def warn_next_year_unknown(db: AsyncSession, now: datetime) -> int:
    """From 1 December: tell staff and admins, once, that next year's holidays are not entered yet."""
    return await service.warn_if_next_year_unknown(db, now, await staff_and_admins(db))
