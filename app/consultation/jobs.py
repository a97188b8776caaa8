"""Periodic jobs of consultation (the worker schedules them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import publication
from app.core.periodic import periodic


@periodic("consultation.escalate_objections", "*/10 * * * *")
async def escalate_objections(db: AsyncSession, now: datetime) -> int:
    """督办: objections unanswered past 3 working days go to community staff, then to the street."""
    return await publication.escalate_overdue_objections(db, now)


@periodic("consultation.take_effect", "*/10 * * * *")
async def take_effect(db: AsyncSession, now: datetime) -> int:
    """Decisions whose publication window has passed with every objection answered take effect."""
    return await publication.take_effect(db, now)
