"""Periodic jobs of service items (the worker schedules them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.service_items import backoffice


@periodic("service_items.escalate_overdue", "*/10 * * * *")
async def escalate_overdue(db: AsyncSession, now: datetime) -> int:
    """督办: tell supervisors and the department about applications past their deadline, once per deadline."""
    return await backoffice.escalate_overdue(db, now)
