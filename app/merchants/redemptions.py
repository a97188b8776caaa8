"""Redemption at the till (核销) and the resident's confirmation of a large one. Services flush, never commit.
Refunds are in `app.merchants.refunds`, the histories in `app.merchants.redemption_history`.

Lock order, the same on every path so concurrent requests cannot deadlock:
redemption code or redemption row → offer row → ledger accounts (the ledger locks those in id order).

The till's common case (no offer, no confirmation) is four plain statements after the idempotency
claim: the merchant; the code looked up, locked, spent and the redemption row written (one statement);
the resident's notification; the ledger move (one statement). Offers and confirmations add their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import _
from app.core.privacy import mask_name, mask_phone
from app.core.ratelimit import Limiter, attempt
from app.core.security import sha256_hex
from app.identity import service as identity
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.ledger.errors import InsufficientBalance
from app.merchants import errors
from app.merchants.config import rules
from app.merchants.schemas import MaskedResident, PendingRedemptionOut, RedeemIn, RedemptionOut
from app.merchants.service import offer_available
from app.models.identity import User
from app.models.ledger import Asset, TransferKind
from app.models.merchants import (
    Merchant,
    Offer,
    PendingRedemption,
    Redemption,
    RedemptionStatus,
)
from app.notifications.service import notify
from app.platform import audit

_REDEMPTIONS: Table = Redemption.__table__  # type: ignore[assignment]

# ---------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Shop:
    """The merchant a till redeems for, as the redemption needs it (one plain SELECT)."""

    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    active: bool

    @classmethod
    def of(cls, merchant: Merchant) -> Shop:
        return cls(merchant.id, merchant.community_id, merchant.name, merchant.active)


@dataclass(frozen=True)
class Resident:
    """The code's owner, read with the code."""

    id: uuid.UUID
    community_id: uuid.UUID | None
    name: str
    phone: str | None

    @classmethod
    def of(cls, user: User) -> Resident:
        return cls(user.id, user.community_id, user.name, user.phone)


def masked(user: User | Resident) -> MaskedResident:
    return MaskedResident(name=mask_name(user.name), phone=mask_phone(user.phone))


def redemption_out(
    row: Redemption, merchant_name: str, offer_name: str | None, resident: User | Resident
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


async def till_merchant(db: AsyncSession, who: Principal, merchant_id: uuid.UUID | None) -> Shop:
    """The merchant the caller redeems for: the one they work at, or the one they name."""
    mine = who.merchant_ids
    if merchant_id is None:
        if len(mine) != 1:
            raise errors.MerchantRequired() if mine else errors.NotYourMerchant()
        merchant_id = next(iter(mine))
    elif merchant_id not in mine:
        raise errors.NotYourMerchant()
    conn = await db.connection()
    found = (
        await conn.execute(
            select(Merchant.id, Merchant.community_id, Merchant.name, Merchant.active).where(
                Merchant.id == merchant_id
            )
        )
    ).one_or_none()
    if found is None:
        raise errors.MerchantNotFound()
    return Shop(found.id, found.community_id, found.name, found.active)


# The code looked up and locked with its owner; spent when it is live and the owner belongs to the till's
# community; and, on the common path (`write`), the redemption row written: one round trip. The
# redemption names its ledger transfer by an id chosen here (ledger ids are referenced, never joined).
_SPEND = text("""
WITH code AS (
    SELECT rc.user_id, rc.used_at, rc.expires_at, u.community_id, u.name, u.phone
    FROM redemption_codes rc JOIN users u ON u.id = rc.user_id
    WHERE rc.code_hash = :code_hash
    FOR UPDATE OF rc
), spent AS (
    UPDATE redemption_codes r SET used_at = CAST(:now AS timestamptz)
    FROM code
    WHERE r.user_id = code.user_id AND code.used_at IS NULL AND code.expires_at > CAST(:now AS timestamptz)
      AND code.community_id = CAST(:community_id AS uuid)
    RETURNING r.user_id
), written AS (
    INSERT INTO redemptions (id, merchant_id, community_id, resident_id, staff_id, offer_id, points,
        refunded_points, status, transfer_id, created_at)
    SELECT CAST(:id AS uuid), CAST(:merchant_id AS uuid), CAST(:community_id AS uuid), spent.user_id,
        CAST(:staff_id AS uuid), NULL, CAST(:points AS integer), 0, 'completed', CAST(:transfer_id AS uuid),
        CAST(:now AS timestamptz)
    FROM spent WHERE CAST(:write AS boolean)
    RETURNING id
)
SELECT code.user_id, code.used_at, code.expires_at, code.community_id, code.name, code.phone,
       EXISTS (SELECT 1 FROM written) AS written
FROM code
""")


@dataclass(frozen=True)
class Written:
    """A redemption row already in the table (by `_SPEND`), and the id its ledger transfer will take."""

    id: uuid.UUID
    transfer_id: uuid.UUID


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
    limit = rules().confirm_above_points
    plain = body.offer_id is None and body.points is not None and body.points <= limit
    written = Written(uuid.uuid4(), uuid.uuid4())
    conn = await db.connection()
    code = (
        await conn.execute(
            _SPEND,
            {
                "code_hash": sha256_hex(body.code),
                "now": now,
                "community_id": merchant.community_id,
                "id": written.id,
                "merchant_id": merchant.id,
                "staff_id": who.id,
                "points": body.points or 0,
                "transfer_id": written.transfer_id,
                "write": plain,
            },
        )
    ).one_or_none()
    if code is None:
        raise errors.CodeInvalid()  # matches nothing: a guess, and it stays counted
    # A code that exists was not guessed: a used one scanned twice, or a queue of expired ones,
    # must not lock the till (issue #18).
    await _not_a_guess(limiter, who, merchant.id)
    if code.used_at is not None:
        raise errors.CodeUsed()
    if code.expires_at <= now:
        raise errors.CodeExpired()
    if code.community_id != merchant.community_id:
        # Points are issued and settled per community; a code from elsewhere is not valid here.
        raise errors.CodeInvalid(
            _("该居民不属于本商户所在社区，不能在此核销", "This resident belongs to another community")
        )
    resident = Resident(code.user_id, code.community_id, code.name, code.phone)
    if plain:
        assert body.points is not None
        assert code.written
        return await _complete(db, merchant, resident, who.id, None, body.points, now, written)

    points = body.points
    if body.offer_id is not None:
        offer = await _offer_for(db, merchant, resident.id, body.offer_id, now, reserve=False)
        points = offer.points
    assert points is not None
    if points > limit:
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
    return await _complete(db, merchant, resident, who.id, body.offer_id, points, now, None)


async def _offer_for(
    db: AsyncSession,
    merchant: Shop,
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
    merchant: Shop,
    resident: Resident,
    staff_id: uuid.UUID,
    offer_id: uuid.UUID | None,
    points: int,
    now: datetime,
    written: Written | None,
) -> RedemptionOut:
    """The points move resident → merchant; the redemption row is written first unless `_SPEND` did."""
    offer = await _offer_for(db, merchant, resident.id, offer_id, now, reserve=True) if offer_id else None
    if offer is not None:
        points = offer.points
    # Everything that does not need the ledger happens before it: the merchant's account row is the
    # hot lock (one per shop), held from the transfer until commit, so keep that stretch short.
    if written is None:
        written = Written(uuid.uuid4(), uuid.uuid4())
        if db.new or db.dirty:
            await db.flush()
        conn = await db.connection()
        await conn.execute(
            insert(_REDEMPTIONS).values(
                id=written.id,
                merchant_id=merchant.id,
                community_id=merchant.community_id,
                resident_id=resident.id,
                staff_id=staff_id,
                offer_id=offer.id if offer else None,
                points=points,
                refunded_points=0,
                status=RedemptionStatus.completed,
                transfer_id=written.transfer_id,
                created_at=now,
            )
        )
    what = f"「{offer.name}」" if offer else ""
    await notify(
        db,
        user_id=resident.id,
        kind="redemption.made",
        title="积分核销成功",
        body=f"您在{merchant.name}{what}使用了 {points} 积分。",
        link=f"/redemptions/{written.id}",
        data={"redemption_id": str(written.id), "points": points, "merchant_id": str(merchant.id)},
    )
    try:
        await ledger.move(
            db,
            debit=ledger.Wallet(resident.id, Asset.points, resident.community_id),
            credit=ledger.Till(merchant.id, merchant.community_id),
            amount=points,
            kind=TransferKind.redemption,
            reference=f"redemption:{written.id}",
            actor_id=staff_id,
            memo=(offer.name if offer else merchant.name)[:200],
            transfer_id=written.transfer_id,
        )
    except InsufficientBalance as exc:
        raise errors.InsufficientPoints() from exc
    return RedemptionOut(
        id=written.id,
        merchant_id=merchant.id,
        merchant_name=merchant.name,
        offer_id=offer.id if offer else None,
        offer_name=offer.name if offer else None,
        points=points,
        refunded_points=0,
        status=RedemptionStatus.completed,
        staff_id=staff_id,
        settlement_id=None,
        created_at=now,
        resident=masked(resident),
    )


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
        done = await _complete(
            db, Shop.of(merchant), Resident.of(who.user), p.staff_id, p.offer_id, p.points, now, None
        )
        p.status, p.redemption_id = "confirmed", done.id
    else:
        p.status = "declined"
    await db.flush()
    return _pending_out(p, merchant.name)
