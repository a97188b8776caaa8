"""Refunds of a redemption (退还): all or part, by the merchant's staff within the window, by community
staff any time. Lock order as in `app.merchants.redemptions`: redemption row → offer row → ledger."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity import service as identity
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.ledger.errors import InsufficientBalance
from app.merchants import errors
from app.merchants.config import rules
from app.merchants.redemptions import redemption_out
from app.merchants.schemas import RefundIn, RefundOut
from app.models.ledger import TransferKind
from app.models.merchants import Merchant, Offer, Redemption, RedemptionStatus, Refund
from app.notifications.service import notify
from app.platform import audit


async def refund(db: AsyncSession, who: Principal, redemption_id: uuid.UUID, body: RefundIn) -> RefundOut:
    """Give back all or part of a redemption: the merchant's staff within the window, community staff any time."""
    row = (
        await db.execute(
            select(Redemption)
            .where(Redemption.id == redemption_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if row is None:
        raise errors.RedemptionNotFound()
    as_staff = who.is_staff_of(row.community_id)
    as_merchant = row.merchant_id in who.merchant_ids
    if not (as_staff or as_merchant):
        if row.resident_id == who.id:
            raise errors.RefundNotAllowed()
        raise errors.RedemptionNotFound()
    now = clock.now()
    window = timedelta(hours=rules().refund_window_hours)
    if not as_staff and now - row.created_at > window:
        raise errors.RefundWindowClosed()
    remaining = row.points - row.refunded_points
    points = body.points if body.points is not None else remaining
    if remaining <= 0 or points > remaining:
        raise errors.RefundExceeds(remaining=remaining)

    offer: Offer | None = None
    if row.offer_id is not None:
        offer = (
            await db.execute(
                select(Offer)
                .where(Offer.id == row.offer_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        if points == remaining and offer.stock is not None:
            offer.stock += 1  # the item came back to the shelf

    refund_id = uuid.uuid4()
    try:
        moved = await ledger.reverse(
            db,
            row.transfer_id,
            amount=points,
            kind=TransferKind.refund,
            reference=f"refund:{refund_id}",
            actor_id=who.id,
            memo=body.reason,
        )
    except InsufficientBalance as exc:
        raise errors.MerchantBalanceShort() from exc
    row.refunded_points += points
    row.status = (
        RedemptionStatus.refunded
        if row.refunded_points == row.points
        else RedemptionStatus.partially_refunded
    )
    item = Refund(
        id=refund_id,
        redemption_id=row.id,
        merchant_id=row.merchant_id,
        community_id=row.community_id,
        points=points,
        reason=body.reason,
        actor_id=who.id,
        transfer_id=moved.id,
        created_at=now,
    )
    db.add(item)
    await db.flush()
    merchant = await db.get(Merchant, row.merchant_id)
    assert merchant is not None
    resident = await identity.get_user(db, row.resident_id)
    if as_staff:
        await audit.record(
            db,
            actor_id=who.id,
            action="redemption.refund",
            target_type="redemption",
            target_id=row.id,
            community_id=row.community_id,
            on_behalf_of=resident.id,
            points=points,
            reason=body.reason,
        )
    await notify(
        db,
        user_id=resident.id,
        kind="redemption.refunded",
        title="积分已退还",
        body=f"{merchant.name}退还了 {points} 积分：{body.reason}",
        link=f"/redemptions/{row.id}",
        data={"redemption_id": str(row.id), "points": points},
    )
    return RefundOut(
        id=item.id,
        redemption_id=row.id,
        points=points,
        reason=item.reason,
        actor_id=who.id,
        created_at=item.created_at,
        redemption=redemption_out(row, merchant.name, offer.name if offer else None, resident),
    )
