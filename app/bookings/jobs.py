"""Periodic work of bookings: mark no-shows after slots end, and remind residents before they start."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import service
from app.core.periodic import periodic


@periodic("bookings.mark_no_shows", "*/5 * * * *")
async def mark_no_shows(db: AsyncSession, now: datetime) -> int:
    return await service.mark_no_shows(db, now)


@periodic("bookings.send_reminders", "* * * * *")
async def send_reminders(db: AsyncSession, now: datetime) -> int:
    return await service.send_reminders(db, now)
