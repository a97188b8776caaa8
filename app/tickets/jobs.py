"""Periodic jobs of the tickets domain (the worker schedules them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.tickets import deadlines


@periodic("tickets.escalate_overdue", "* * * * *")
async def escalate_overdue(db: AsyncSession, now: datetime) -> int:
    """督办: escalate tickets past their deadline, level by level."""
    return await deadlines.escalate_overdue(db, now)


@periodic("tickets.auto_close_resolved", "*/10 * * * *")
async def auto_close_resolved(db: AsyncSession, now: datetime) -> int:
    """Close resolved tickets left unrated for 7 days."""
    return await deadlines.auto_close_resolved(db, now)
