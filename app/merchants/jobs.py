"""Periodic jobs of the merchants domain (scheduled by the worker; each is idempotent)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.merchants import service, settlements


@periodic("merchants.expire_codes", "*/10 * * * *")
async def expire_codes(db: AsyncSession, now: datetime) -> int:
    """Delete redemption codes that expired over an hour ago (only their hashes were ever stored)."""
    return await service.purge_codes(db, now)


@periodic("merchants.monthly_settlement_drafts", "0 * 1 * *")
async def monthly_settlement_drafts(db: AsyncSession, now: datetime) -> int:
    """On the 1st, a draft statement per merchant for everything unsettled before the month began.

    Runs hourly through the 1st (UTC cron) so the Shanghai month boundary is covered whatever the worker's
    zone; merchants that already have a draft are skipped, so repeats are harmless.
    """
    return await settlements.draft_monthly(db, now)
