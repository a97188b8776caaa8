"""Redemption at the till (核销), refunds and the histories. Services flush, never commit.

Lock order, the same on every path so concurrent requests cannot deadlock:
redemption code or redemption row → offer row → ledger accounts (the ledger locks those in id order).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import _
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_name, mask_phone
from app.core.ratelimit import Limiter, attempt
from app.core.security import sha256_hex
from app.identity import service as identity
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.ledger.errors import InsufficientBalance
from app.merchants import errors
from app.merchants.config import rules
from app.merchants.schemas import (
    MaskedResident,
    PendingRedemptionOut,
    RedeemIn,
    RedemptionFilter,
    RedemptionOut,
    RedemptionSummary,
    RefundIn,
    RefundOut,
    SummaryRow,
)
from app.merchants.service import offer_available
from app.models.identity import User
from app.models.ledger import Asset, TransferKind
from app.models.merchants import (
    Merchant,
    Offer,
    PendingRedemption,
    Redemption,
    RedemptionCode,
    RedemptionStatus,
    Refund,
)
from app.notifications.service import notify
from app.platform import audit

# ---------------------------------------------------------------- shapes

# A SELECT under construction (SQLAlchemy's generic Select types its columns; these helpers take any).
Query = Any


def masked(user: User) -> MaskedResident:
    return MaskedResident(name=mask_name(user.name), phone=mask_phone(user.phone))


def redemption_out(
    row: Redemption, merchant_name: str, offer_name: str | None, resident: User
) -> RedemptionOut:
    return RedemptionOut(
        id=row.id,
        merchant_id=row.merchant_id,
        merchant_name=merchant_name,
        offer_id=row.offer_id,
        offer_name=offer_name,
        points=row.points,
        refunded_points=row.refunded_points,
        status=row.status,
        staff_id=row.staff_id,
        settlement_id=row.settlement_id,
        created_at=row.created_at,
        resident=masked(resident),
    )


# ---------------------------------------------------------------- redeem


def _failure_keys(who: Principal, merchant_id: uuid.UUID) -> list[tuple[str, int]]:
    r = rules()
    return [
        (f"redeem-fail:staff:{who.id}", r.failures_per_staff),
        (f"redeem-fail:merchant:{merchant_id}", r.failures_per_merchant),
    ]


async def _count_attempt(limiter: Limiter, who: Principal, merchant_id: uuid.UUID) -> None:
    """Count the attempt first (429 when the till is locked out); `_not_a_guess` gives it back."""
    window = rules().failure_window_seconds
    await attempt(
        limiter,
        [(key, limit, window) for key, limit in _failure_keys(who, merchant_id)],
        _("核销码错误次数过多，请稍后再试", "Too many wrong codes at this till; try again later"),
    )


async def _not_a_guess(limiter: Limiter, who: Principal, merchant_id: uuid.UUID) -> None:
    for key, _limit in _failure_keys(who, merchant_id):
        await limiter.undo(key)


async def lift_lockout(db: AsyncSession, who: Principal, limiter: Limiter, merchant_id: uuid.UUID) -> None:
    """Community staff clear a till's lock-out (the merchant's and each of its staff's counts); audited."""
    merchant = await db.get(Merchant, merchant_id)
    if merchant is None or not who.is_staff_of(merchant.community_id):
        raise errors.MerchantNotFound()
    staff_ids = await identity.merchant_staff_of(db, merchant.id)
    await limiter.reset(f"redeem-fail:merchant:{merchant.id}")
    for staff_id in set(staff_ids):
        await limiter.reset(f"redeem-fail:staff:{staff_id}")
    await audit.record(
        db,
        actor_id=who.id,
        action="merchant.lockout_lifted",
        target_type="merchant",
        target_id=merchant.id,
        community_id=merchant.community_id,
    )


async def till_merchant(db: AsyncSession, who: Principal, merchant_id: uuid.UUID | None) -> Merchant:
    """The merchant the caller redeems for: the one they work at, or the one they name."""
    mine = who.merchant_ids
    if merchant_id is None:
        if len(mine) != 1:
            raise errors.MerchantRequired() if mine else errors.NotYourMerchant()
        merchant_id = next(iter(mine))
    elif merchant_id not in mine:
        raise errors.NotYourMerchant()
    merchant = await db.get(Merchant, merchant_id)
    if merchant is None:
        raise errors.MerchantNotFound()
    return merchant


async def redeem(db: AsyncSession, who: Principal, limiter: Limiter, body: RedeemIn) -> RedemptionOut:
    """Consume the resident's code and move the points resident → merchant, all in this transaction.

    Above `confirm_above_points` nothing moves yet: the code is spent, a pending redemption waits for
    the resident to confirm it on their phone, and the till gets 202 `confirmation_required`.
    """
    merchant = await till_merchant(db, who, body.merchant_id)
    if not merchant.active:
        raise errors.MerchantInactive()
    # Count first, then look the code up: parallel guesses cannot outrun the lock-out.
    await _count_attempt(limiter, who, merchant.id)
    now = clock.now()
    code = (
        await db.execute(
            select(RedemptionCode)
            .where(RedemptionCode.code_hash == sha256_hex(body.code))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if code is None:
        raise errors.CodeInvalid()  # matches nothing: a guess, and it stays counted
    # A code that exists was not guessed: a used one scanned twice, or a queue of expired ones,
    # must not lock the till (issue #18).
    await _not_a_guess(limiter, who, merchant.id)
    if code.used_at is not None:
        raise errors.CodeUsed()
    if code.expires_at <= now:
        raise errors.CodeExpired()
    resident = await identity.get_user(db, code.user_id)
    if resident.community_id != merchant.community_id:
        # Points are issued and settled per community; a code from elsewhere is not valid here.
        raise errors.CodeInvalid(
            _("该居民不属于本商户所在社区，不能在此核销", "This resident belongs to another community")
        )

    points = body.points
    if body.offer_id is not None:
        offer = await _offer_for(db, merchant, resident.id, body.offer_id, now, reserve=False)
        points = offer.points
    assert points is not None
    if points > rules().confirm_above_points:
        code.used_at = now
        pending = PendingRedemption(
            merchant_id=merchant.id,
            community_id=merchant.community_id,
            resident_id=resident.id,
            staff_id=who.id,
            offer_id=body.offer_id,
            points=points,
            created_at=now,
            expires_at=now + timedelta(seconds=rules().confirm_seconds),
        )
        db.add(pending)
        await db.flush()
        await notify(
            db,
            user_id=resident.id,
            kind="redemption.confirm",
            title="请确认积分核销",
            body=f"{merchant.name}请求使用 {points} 积分，请在手机上确认。",
            link=f"/redemptions/pending/{pending.id}",
            data={"pending_id": str(pending.id), "points": points, "merchant_id": str(merchant.id)},
        )
        raise errors.ConfirmationRequired(
            pending_id=str(pending.id), points=points, expires_at=pending.expires_at.isoformat()
        )
    return await _complete(db, merchant, resident, who.id, body.offer_id, points, now, code)


async def _offer_for(
    db: AsyncSession,
    merchant: Merchant,
    resident_id: uuid.UUID,
    offer_id: uuid.UUID,
    now: datetime,
    *,
    reserve: bool,
) -> Offer:
    offer = (
        await db.execute(
            select(Offer)
            .where(Offer.id == offer_id, Offer.merchant_id == merchant.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if offer is None or not offer_available(offer, now):
        raise errors.OfferUnavailable()
    if offer.per_resident_limit is not None:
        taken = (
            await db.execute(
                select(func.count())
                .select_from(Redemption)
                .where(
                    Redemption.offer_id == offer.id,
                    Redemption.resident_id == resident_id,
                    Redemption.status != RedemptionStatus.refunded,
                )
            )
        ).scalar_one()
        if taken >= offer.per_resident_limit:
            raise errors.LimitReached()
    if reserve and offer.stock is not None:
        offer.stock -= 1
    return offer


async def _complete(
    db: AsyncSession,
    merchant: Merchant,
    resident: User,
    staff_id: uuid.UUID,
    offer_id: uuid.UUID | None,
    points: int,
    now: datetime,
    code: RedemptionCode | None,
) -> RedemptionOut:
    offer = await _offer_for(db, merchant, resident.id, offer_id, now, reserve=True) if offer_id else None
    if offer is not None:
        points = offer.points
    redemption_id = uuid.uuid4()
    # Everything that does not need the ledger happens before it: the merchant's account row is the
    # hot lock (one per shop), held from the transfer until commit, so keep that stretch short.
    if code is not None:
        code.used_at = now
    await db.flush()
    what = f"「{offer.name}」" if offer else ""
    await notify(
        db,
        user_id=resident.id,
        kind="redemption.made",
        title="积分核销成功",
        body=f"您在{merchant.name}{what}使用了 {points} 积分。",
        link=f"/redemptions/{redemption_id}",
        data={"redemption_id": str(redemption_id), "points": points, "merchant_id": str(merchant.id)},
    )
    wallet = await ledger.user_account(db, resident.id, Asset.points)
    till = await ledger.merchant_account(db, merchant.id)
    try:
        moved = await ledger.transfer(
            db,
            debit=wallet,
            credit=till,
            amount=points,
            kind=TransferKind.redemption,
            reference=f"redemption:{redemption_id}",
            actor_id=staff_id,
            memo=(offer.name if offer else merchant.name)[:200],
        )
    except InsufficientBalance as exc:
        raise errors.InsufficientPoints() from exc
    row = Redemption(
        id=redemption_id,
        merchant_id=merchant.id,
        community_id=merchant.community_id,
        resident_id=resident.id,
        staff_id=staff_id,
        offer_id=offer.id if offer else None,
        points=points,
        transfer_id=moved.id,
        created_at=now,
    )
    db.add(row)
    await db.flush()
    return redemption_out(row, merchant.name, offer.name if offer else None, resident)


async def pending_for_resident(db: AsyncSession, who: Principal) -> list[PendingRedemptionOut]:
    """The resident's redemptions waiting for their confirmation."""
    rows = (
        await db.execute(
            select(PendingRedemption, Merchant.name)
            .join(Merchant, Merchant.id == PendingRedemption.merchant_id)
            .where(
                PendingRedemption.resident_id == who.id,
                PendingRedemption.status == "pending",
                PendingRedemption.expires_at > clock.now(),
            )
            .order_by(PendingRedemption.created_at)
        )
    ).all()
    return [_pending_out(p, name) for p, name in rows]


def _pending_out(p: PendingRedemption, merchant_name: str) -> PendingRedemptionOut:
    status = "expired" if p.status == "pending" and p.expires_at <= clock.now() else p.status
    return PendingRedemptionOut(
        id=p.id,
        merchant_id=p.merchant_id,
        merchant_name=merchant_name,
        points=p.points,
        status=status,
        expires_at=p.expires_at,
        redemption_id=p.redemption_id,
    )


async def get_pending(db: AsyncSession, who: Principal, pending_id: uuid.UUID) -> PendingRedemptionOut:
    """The resident, or the till that asked, see where it stands."""
    p = await db.get(PendingRedemption, pending_id)
    if p is None or not (p.resident_id == who.id or p.merchant_id in who.merchant_ids):
        raise errors.RedemptionNotFound()
    merchant = await db.get(Merchant, p.merchant_id)
    assert merchant is not None
    return _pending_out(p, merchant.name)


async def decide_pending(
    db: AsyncSession, who: Principal, pending_id: uuid.UUID, *, confirm: bool
) -> PendingRedemptionOut:
    """The resident confirms (the points move now) or declines a pending redemption, once."""
    p = (
        await db.execute(
            select(PendingRedemption)
            .where(PendingRedemption.id == pending_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if p is None or p.resident_id != who.id:
        raise errors.RedemptionNotFound()
    now = clock.now()
    if p.status != "pending":
        raise errors.PendingDecided()
    if p.expires_at <= now:
        raise errors.PendingExpired()
    merchant = await db.get(Merchant, p.merchant_id)
    assert merchant is not None
    p.decided_at = now
    if confirm and not merchant.active:
        raise errors.MerchantInactive()
    if confirm:
        done = await _complete(db, merchant, who.user, p.staff_id, p.offer_id, p.points, now, None)
        p.status, p.redemption_id = "confirmed", done.id
    else:
        p.status = "declined"
    await db.flush()
    return _pending_out(p, merchant.name)


# ---------------------------------------------------------------- refunds


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


# ---------------------------------------------------------------- histories


def scoped(who: Principal, query: Query) -> Query:
    """Merchant staff see their merchants' redemptions, staff their communities', residents their own."""
    return query.where(
        or_(
            Redemption.merchant_id.in_(who.merchant_ids),
            Redemption.community_id.in_(who.staff_communities),
            Redemption.resident_id == who.id,
        )
    )


def filtered(query: Query, f: RedemptionFilter) -> Query:
    if f.merchant_id is not None:
        query = query.where(Redemption.merchant_id == f.merchant_id)
    if f.staff_id is not None:
        query = query.where(Redemption.staff_id == f.staff_id)
    if f.day is not None:
        query = query.where(
            Redemption.created_at >= clock.local_midnight(f.day),
            Redemption.created_at < clock.local_midnight(f.day + timedelta(days=1)),
        )
    if f.date_from is not None:
        query = query.where(Redemption.created_at >= clock.local_midnight(f.date_from))
    if f.date_to is not None:
        query = query.where(Redemption.created_at < clock.local_midnight(f.date_to + timedelta(days=1)))
    return query


def _rows_query() -> Query:
    return (
        select(Redemption, Merchant.name, Offer.name, User)
        .join(Merchant, Merchant.id == Redemption.merchant_id)
        .join(User, User.id == Redemption.resident_id)
        .outerjoin(Offer, Offer.id == Redemption.offer_id)
    )


async def get_redemption(db: AsyncSession, who: Principal, redemption_id: uuid.UUID) -> RedemptionOut:
    found = (await db.execute(scoped(who, _rows_query().where(Redemption.id == redemption_id)))).one_or_none()
    if found is None:
        raise errors.RedemptionNotFound()
    return redemption_out(*found)


async def list_redemptions(
    db: AsyncSession, who: Principal, params: PageParams, f: RedemptionFilter
) -> Page[Any]:
    query = filtered(scoped(who, _rows_query()), f)
    query = query.order_by(Redemption.created_at.desc(), Redemption.id.desc()).limit(params.limit + 1)
    position = params.after(datetime, uuid.UUID)
    if position:
        at, last = position
        query = query.where(tuple_(Redemption.created_at, Redemption.id) < tuple_(literal(at), literal(last)))
    rows = [redemption_out(*r) for r in (await db.execute(query)).all()]
    return page_of(rows, params, lambda r: [r.created_at.isoformat(), str(r.id)])


async def rows_for_export(
    db: AsyncSession, who: Principal, f: RedemptionFilter, limit: int = 50_000
) -> list[tuple[RedemptionOut, User]]:
    query = (
        filtered(scoped(who, _rows_query()), f).order_by(Redemption.created_at, Redemption.id).limit(limit)
    )
    return [(redemption_out(*r), r[3]) for r in (await db.execute(query)).all()]


async def summary(db: AsyncSession, who: Principal, f: RedemptionFilter) -> RedemptionSummary:
    """Counts and points per Shanghai day and per staff member (refunds count against their redemption)."""
    day = func.to_char(func.timezone("Asia/Shanghai", Redemption.created_at), "YYYY-MM-DD")
    measures = (
        func.count(Redemption.id),
        func.coalesce(func.sum(Redemption.points), 0),
        func.coalesce(func.sum(Redemption.refunded_points), 0),
    )

    def row(key: str, label: str | None, count: int, points: int, refunded: int) -> SummaryRow:
        return SummaryRow(
            key=key,
            label=label,
            count=int(count),
            points=int(points),
            refunded_points=int(refunded),
            net_points=int(points) - int(refunded),
        )

    base = filtered(scoped(who, select(*measures).select_from(Redemption)), f)
    total = (await db.execute(base)).one()
    by_day = (
        await db.execute(
            filtered(scoped(who, select(day.label("day"), *measures).select_from(Redemption)), f)
            .group_by(day)
            .order_by(day)
        )
    ).all()
    by_staff = (
        await db.execute(
            filtered(
                scoped(
                    who,
                    select(Redemption.staff_id, User.name, *measures)
                    .select_from(Redemption)
                    .join(User, and_(User.id == Redemption.staff_id)),
                ),
                f,
            )
            .group_by(Redemption.staff_id, User.name)
            .order_by(User.name)
        )
    ).all()
    return RedemptionSummary(
        count=int(total[0]),
        points=int(total[1]),
        refunded_points=int(total[2]),
        net_points=int(total[1]) - int(total[2]),
        by_day=[row(r[0], None, r[1], r[2], r[3]) for r in by_day],
        by_staff=[row(str(r[0]), r[1], r[2], r[3], r[4]) for r in by_staff],
    )
