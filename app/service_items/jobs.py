"""Periodic jobs of service items (the worker schedules them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.service_items import backoffice, office_hours


@periodic("service_items.escalate_overdue", "*/10 * * * *")
async def escalate_overdue(db: AsyncSession, now: datetime) -> int:
    """督办: tell supervisors and the department about applications past their deadline, once per deadline."""
    return await backoffice.escalate_overdue(db, now)


@periodic("service_items.extend_office_sessions", "15 2 * * *")
async def extend_office_sessions(db: AsyncSession, now: datetime) -> int:
    """Make office-hours sessions and their booking slots eight weeks ahead, once a day."""
    return await office_hours.extend_sessions(db, now)
