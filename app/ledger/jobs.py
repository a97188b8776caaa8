"""Periodic ledger work: release holds past their expiry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.ledger import service


@periodic("ledger.expire_holds", "* * * * *")
async def expire_holds(db: AsyncSession, now: datetime) -> int:
    return await service.expire_holds(db, now)
