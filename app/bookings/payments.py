"""Points for priced services, only through the ledger's pending transfers (hold → post or void).

The hold is taken at booking (the resident's available points drop), posted at check-in or no-show
(the points move to the provider: a merchant's account, or the community's issuance account for the
centre and social organisations), and voided on a timely cancellation or when the slot is cancelled.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import service as identity
from app.ledger import service as ledger
from app.models.bookings import BookableService, ProviderKind
from app.models.ledger import Asset, TransferKind


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
    owner = await identity.get_user(db, user_id)
    debit = await ledger.user_account(db, user_id, Asset.points, community_id=owner.community_id)
    if service.provider_kind is ProviderKind.merchant and service.merchant_id is not None:
        credit = await ledger.merchant_account(db, service.merchant_id, community_id=service.community_id)
    else:
        credit = await ledger.system_account(db, service.community_id, "issuance", Asset.points)
    pending = await ledger.hold(
        db,
        debit=debit,
        credit=credit,
        amount=amount,
        kind=TransferKind.booking_hold,
        reference=reference,
        expires_at=expires_at,
        idempotency_key=reference,
        actor_id=actor_id,
    )
    return pending.id


async def post(db: AsyncSession, hold_id: uuid.UUID, *, actor_id: uuid.UUID | None) -> None:
    await ledger.post_pending(db, hold_id, actor_id=actor_id)


async def void(db: AsyncSession, hold_id: uuid.UUID, *, actor_id: uuid.UUID | None) -> None:
    await ledger.void_pending(db, hold_id, actor_id=actor_id)
