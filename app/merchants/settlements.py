"""Settlement (结算): staff close a period for a merchant; the statement moves the net points to the
community's settlement account when confirmed. Services flush, never commit.

A redemption or refund belongs to at most one live statement: its `settlement_id` column. A draft takes
its items with one `UPDATE … WHERE settlement_id IS NULL` under a lock on the merchant row, so two staff
closing the same period at once cannot both take an item; discarding the draft gives them back.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import ValidationFailed, _
from app.core.pagination import Page, PageParams, page_of
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.ledger.errors import InsufficientBalance
from app.merchants import errors
from app.merchants.redemptions import masked
from app.merchants.schemas import PayIn, SettlementDetail, SettlementIn, SettlementLine, SettlementOut
from app.merchants.service import effective_rate
from app.models.identity import User
from app.models.ledger import Asset, TransferKind
from app.models.merchants import Merchant, Offer, Redemption, Refund, Settlement, SettlementStatus
from app.platform import audit


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def settlement_out(row: Settlement) -> SettlementOut:
    return SettlementOut.model_validate({**_columns(row), "amount_yuan": yuan(row.amount_fen)})


def _columns(row: Settlement) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in Settlement.__table__.columns}


# ---------------------------------------------------------------- scope


def _scoped(who: Principal) -> Any:
    """Community staff see their communities' statements; merchant staff their own merchant's."""
    return or_(
        Settlement.community_id.in_(who.staff_communities),
        Settlement.merchant_id.in_(who.merchant_ids),
    )


async def _visible(
    db: AsyncSession, who: Principal, settlement_id: uuid.UUID, lock: bool = False
) -> Settlement:
    query = select(Settlement).where(Settlement.id == settlement_id, _scoped(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = (await db.execute(query)).scalar_one_or_none()
    if row is None:
        raise errors.SettlementNotFound()
    return row


async def _staff_owned(db: AsyncSession, who: Principal, settlement_id: uuid.UUID) -> Settlement:
    row = await _visible(db, who, settlement_id, lock=True)
    if not who.is_staff_of(row.community_id):
        raise errors.NotYourCommunity()
    return row


# ---------------------------------------------------------------- draft


async def draft(
    db: AsyncSession, merchant: Merchant, period_end: datetime, actor_id: uuid.UUID | None
) -> Settlement:
    """Take every unsettled redemption and refund of the merchant up to period_end into a new draft."""
    # Serialises statement-making per merchant (the partial unique index on drafts backs it up).
    await db.execute(select(Merchant.id).where(Merchant.id == merchant.id).with_for_update())
    open_draft = (
        await db.execute(
            select(Settlement.id).where(
                Settlement.merchant_id == merchant.id, Settlement.status == SettlementStatus.draft
            )
        )
    ).first()
    if open_draft is not None:
        raise errors.DraftExists(settlement_id=str(open_draft[0]))
    row = Settlement(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        community_id=merchant.community_id,
        status=SettlementStatus.draft,
        period_end=period_end,
        fen_per_point=await effective_rate(db, merchant),
        created_by=actor_id,
        created_at=clock.now(),
    )
    db.add(row)
    await db.flush()
    taken = (
        await db.execute(
            update(Redemption)
            .where(
                Redemption.merchant_id == merchant.id,
                Redemption.settlement_id.is_(None),
                Redemption.created_at <= period_end,
            )
            .values(settlement_id=row.id)
            .returning(Redemption.points, Redemption.created_at)
        )
    ).all()
    refunds = (
        await db.execute(
            update(Refund)
            .where(
                Refund.merchant_id == merchant.id,
                Refund.settlement_id.is_(None),
                Refund.created_at <= period_end,
            )
            .values(settlement_id=row.id)
            .returning(Refund.points, Refund.created_at)
        )
    ).all()
    if not taken and not refunds:
        raise errors.NothingToSettle()
    row.redemption_count = len(taken)
    row.refund_count = len(refunds)
    row.redeemed_points = sum(int(r.points) for r in taken)
    row.refunded_points = sum(int(r.points) for r in refunds)
    row.net_points = row.redeemed_points - row.refunded_points
    row.amount_fen = row.net_points * row.fen_per_point
    row.period_start = min(r.created_at for r in [*taken, *refunds])
    await db.flush()
    return row


async def create(db: AsyncSession, who: Principal, body: SettlementIn) -> SettlementDetail:
    merchant = await db.get(Merchant, body.merchant_id)
    if merchant is None or not who.is_staff_of(merchant.community_id):
        raise errors.MerchantNotFound()
    if body.period_end.tzinfo is None:
        raise ValidationFailed(_("结算截止时间必须带时区", "period_end must carry a UTC offset"))
    if body.period_end > clock.now():
        raise errors.PeriodInFuture()
    row = await draft(db, merchant, body.period_end, who.id)
    await audit.record(
        db,
        actor_id=who.id,
        action="settlement.draft",
        target_type="settlement",
        target_id=row.id,
        community_id=row.community_id,
        net_points=row.net_points,
    )
    return await detail(db, row)


# ---------------------------------------------------------------- transitions


async def confirm(db: AsyncSession, who: Principal, settlement_id: uuid.UUID) -> SettlementOut:
    """draft → confirmed: the net points move merchant → community settlement account (once)."""
    row = await _staff_owned(db, who, settlement_id)
    if row.status is not SettlementStatus.draft:
        raise errors.SettlementTransition(status=row.status.value)
    till = await ledger.merchant_account(db, row.merchant_id, community_id=row.community_id)
    pool = await ledger.system_account(db, row.community_id, "settlement", Asset.points)
    if row.net_points != 0:
        # Refunds of already-settled redemptions can make a period's net negative: then it flows back.
        debit, credit = (till, pool) if row.net_points > 0 else (pool, till)
        try:
            moved = await ledger.transfer(
                db,
                debit=debit,
                credit=credit,
                amount=abs(row.net_points),
                kind=TransferKind.settlement,
                reference=f"settlement:{row.id}",
                idempotency_key=f"settlement:{row.id}",
                actor_id=who.id,
            )
        except InsufficientBalance as exc:
            raise errors.SettlementStale() from exc
        row.transfer_id = moved.id
    row.status = SettlementStatus.confirmed
    row.confirmed_by = who.id
    row.confirmed_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="settlement.confirm",
        target_type="settlement",
        target_id=row.id,
        community_id=row.community_id,
        net_points=row.net_points,
    )
    return settlement_out(row)


async def pay(db: AsyncSession, who: Principal, settlement_id: uuid.UUID, body: PayIn) -> SettlementOut:
    """confirmed → paid: the community has paid the merchant the yuan amount."""
    row = await _staff_owned(db, who, settlement_id)
    if row.status is not SettlementStatus.confirmed:
        raise errors.SettlementTransition(status=row.status.value)
    row.status = SettlementStatus.paid
    row.paid_by = who.id
    row.paid_at = clock.now()
    row.payment_reference = body.payment_reference
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="settlement.pay",
        target_type="settlement",
        target_id=row.id,
        community_id=row.community_id,
        amount_fen=row.amount_fen,
    )
    return settlement_out(row)


async def discard(db: AsyncSession, who: Principal, settlement_id: uuid.UUID) -> SettlementOut:
    """draft → discarded: its redemptions and refunds are unsettled again, ready for a new draft."""
    row = await _staff_owned(db, who, settlement_id)
    if row.status is not SettlementStatus.draft:
        raise errors.SettlementTransition(status=row.status.value)
    await db.execute(update(Redemption).where(Redemption.settlement_id == row.id).values(settlement_id=None))
    await db.execute(update(Refund).where(Refund.settlement_id == row.id).values(settlement_id=None))
    row.status = SettlementStatus.discarded
    row.discarded_by = who.id
    row.discarded_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="settlement.discard",
        target_type="settlement",
        target_id=row.id,
        community_id=row.community_id,
    )
    return settlement_out(row)


# ---------------------------------------------------------------- reading


async def lines(db: AsyncSession, row: Settlement) -> list[SettlementLine]:
    redeemed = (
        await db.execute(
            select(Redemption, Offer.name, User)
            .join(User, User.id == Redemption.resident_id)
            .outerjoin(Offer, Offer.id == Redemption.offer_id)
            .where(Redemption.settlement_id == row.id)
        )
    ).all()
    refunded = (
        await db.execute(
            select(Refund, Redemption, Offer.name, User)
            .join(Redemption, Redemption.id == Refund.redemption_id)
            .join(User, User.id == Redemption.resident_id)
            .outerjoin(Offer, Offer.id == Redemption.offer_id)
            .where(Refund.settlement_id == row.id)
        )
    ).all()
    out = [
        SettlementLine(
            kind="redemption",
            id=r.id,
            redemption_id=r.id,
            created_at=r.created_at,
            points=r.points,
            staff_id=r.staff_id,
            offer_name=offer_name,
            resident=masked(user),
        )
        for r, offer_name, user in redeemed
    ] + [
        SettlementLine(
            kind="refund",
            id=f.id,
            redemption_id=r.id,
            created_at=f.created_at,
            points=-f.points,
            staff_id=f.actor_id,
            offer_name=offer_name,
            resident=masked(user),
            reason=f.reason,
        )
        for f, r, offer_name, user in refunded
    ]
    return sorted(out, key=lambda line: (line.created_at, str(line.id)))


async def detail(db: AsyncSession, row: Settlement) -> SettlementDetail:
    return SettlementDetail.model_validate(
        {**_columns(row), "amount_yuan": yuan(row.amount_fen), "lines": await lines(db, row)}
    )


async def get(db: AsyncSession, who: Principal, settlement_id: uuid.UUID) -> SettlementDetail:
    return await detail(db, await _visible(db, who, settlement_id))


async def visible(db: AsyncSession, who: Principal, settlement_id: uuid.UUID) -> Settlement:
    return await _visible(db, who, settlement_id)


async def list_settlements(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    merchant_id: uuid.UUID | None = None,
    status: SettlementStatus | None = None,
) -> Page[Any]:
    query = (
        select(Settlement)
        .where(_scoped(who))
        .order_by(Settlement.created_at.desc(), Settlement.id.desc())
        .limit(params.limit + 1)
    )
    if merchant_id is not None:
        query = query.where(Settlement.merchant_id == merchant_id)
    if status is not None:
        query = query.where(Settlement.status == status)
    position = params.after(datetime, uuid.UUID)
    if position:
        at, last = position
        query = query.where(tuple_(Settlement.created_at, Settlement.id) < tuple_(literal(at), literal(last)))
    rows = [settlement_out(r) for r in (await db.execute(query)).scalars()]
    return page_of(rows, params, lambda s: [s.created_at.isoformat(), str(s.id)])


# ---------------------------------------------------------------- the monthly run


def month_start(now: datetime) -> datetime:
    """00:00 on the first day of `now`'s month in Shanghai, as an aware datetime."""
    return clock.month_start(now).astimezone(clock.SHANGHAI)


async def draft_monthly(db: AsyncSession, now: datetime) -> int:
    """A draft per active merchant for everything unsettled before this month (Shanghai); skips merchants
    that already have a draft or have nothing to settle. Returns how many drafts it made."""
    period_end = month_start(now) - timedelta(microseconds=1)
    pending_redemptions = select(Redemption.merchant_id).where(
        Redemption.settlement_id.is_(None), Redemption.created_at <= period_end
    )
    pending_refunds = select(Refund.merchant_id).where(
        Refund.settlement_id.is_(None), Refund.created_at <= period_end
    )
    has_draft = select(Settlement.merchant_id).where(Settlement.status == SettlementStatus.draft)
    merchants = (
        (
            await db.execute(
                select(Merchant)
                .where(
                    Merchant.active.is_(True),
                    or_(Merchant.id.in_(pending_redemptions), Merchant.id.in_(pending_refunds)),
                    Merchant.id.not_in(has_draft),
                )
                .order_by(Merchant.id)
            )
        )
        .scalars()
        .all()
    )
    made = 0
    for merchant in merchants:
        try:
            async with db.begin_nested():
                await draft(db, merchant, period_end, None)
            made += 1
        except (errors.DraftExists, errors.NothingToSettle):
            continue  # someone else got there first
    return made
