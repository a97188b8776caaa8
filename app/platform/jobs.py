"""Periodic housekeeping of the platform tables this domain looks after."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.periodic import periodic
from app.core.settings import get_settings
from app.models.platform import IdempotencyRecord

# Finished queue jobs are kept this long for inspection, then deleted.
FINISHED_JOBS_KEPT = timedelta(days=7)


async def delete_expired_idempotency_records(db: AsyncSession, now: datetime) -> int:
    """Idempotency keys older than IDEMPOTENCY_TTL_HOURS no longer replay; drop them."""
    cutoff = now - timedelta(hours=get_settings().idempotency_ttl_hours)
    result = await db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_finished_jobs(db: AsyncSession, now: datetime) -> int:
    """Succeeded and cancelled queue jobs with no event in FINISHED_JOBS_KEPT (failed ones stay)."""
    result = await db.execute(
        text(
            "DELETE FROM procrastinate_jobs j WHERE j.status IN ('succeeded', 'cancelled')"
            " AND NOT EXISTS (SELECT 1 FROM procrastinate_events e WHERE e.job_id = j.id AND e.at >= :cutoff)"
        ),
        {"cutoff": now - FINISHED_JOBS_KEPT},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@periodic("notifications.delete_expired_idempotency_records", "17 * * * *")
async def idempotency_cleanup(db: AsyncSession, now: datetime) -> int:
    return await delete_expired_idempotency_records(db, now)


@periodic("notifications.delete_finished_jobs", "43 3 * * *")
async def finished_jobs_cleanup(db: AsyncSession, now: datetime) -> int:
    return await delete_finished_jobs(db, now)
