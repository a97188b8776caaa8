"""Points for priced services, through the ledger's pending transfers (hold → post or void).

Until the ledger lands, priced services cannot be booked (free services work).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ServiceUnavailable
from app.models.bookings import BookableService


async def hold(
    db: AsyncSession,
    *,
    service: BookableService,
    user_id: uuid.UUID,
    amount: int,
    reference: str,
    expires_at: datetime,
    actor_id: uuid.UUID | None,
) -> uuid.UUID:
    raise ServiceUnavailable()


async def post(db: AsyncSession, hold_id: uuid.UUID, *, actor_id: uuid.UUID | None) -> None:
    raise ServiceUnavailable()


async def void(db: AsyncSession, hold_id: uuid.UUID, *, actor_id: uuid.UUID | None) -> None:
    raise ServiceUnavailable()
