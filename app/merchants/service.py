"""Merchants (爱心商户), their offers and residents' redemption codes. Services flush, never commit.

Redemption (核销) and refunds live in `redemptions.py`, settlement (结算) in `settlements.py`.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import segno
from sqlalchemy import Select, delete, literal, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import ValidationFailed, _
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_phone
from app.core.security import sha256_hex
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.merchants import errors
from app.merchants.config import rules
from app.merchants.schemas import (
    MerchantIn,
    MerchantOut,
    MerchantPatch,
    OfferIn,
    OfferOut,
    OfferPatch,
    RedemptionCodeOut,
)
from app.models.merchants import Merchant, Offer, RedemptionCode
from app.platform import audit

CODE_DIGITS = 18

# ---------------------------------------------------------------- who may do what


def manages(who: Principal, merchant: Merchant) -> bool:
    """Community staff (and admins above them) manage the merchants of their community."""
    return who.is_staff_of(merchant.community_id)


def works_at(who: Principal, merchant: Merchant) -> bool:
    return merchant.id in who.merchant_ids


async def community_rate(db: AsyncSession, community_id: uuid.UUID) -> int:
    return (await identity.get_org_unit(db, community_id)).fen_per_point


async def effective_rate(db: AsyncSession, merchant: Merchant) -> int:
    return merchant.fen_per_point or await community_rate(db, merchant.community_id)


# ---------------------------------------------------------------- merchants


async def merchant_out(
    db: AsyncSession, who: Principal, merchant: Merchant, rate: int | None = None
) -> MerchantOut:
    insider = manages(who, merchant) or works_at(who, merchant)
    return MerchantOut(
        id=merchant.id,
        community_id=merchant.community_id,
        name=merchant.name,
        active=merchant.active,
        address=merchant.address,
        category=merchant.category,
        contact_name=merchant.contact_name,
        contact_phone=merchant.contact_phone if insider else mask_phone(merchant.contact_phone),
        fen_per_point=merchant.fen_per_point,
        effective_fen_per_point=merchant.fen_per_point
        or rate
        or await community_rate(db, merchant.community_id),
        created_at=merchant.created_at,
    )


async def visible_merchant(db: AsyncSession, who: Principal, merchant_id: uuid.UUID) -> Merchant:
    """Active merchants are public; inactive ones only to their community staff and their own staff."""
    merchant = await db.get(Merchant, merchant_id)
    if merchant is None or not (merchant.active or manages(who, merchant) or works_at(who, merchant)):
        raise errors.MerchantNotFound()
    return merchant


async def managed_merchant(db: AsyncSession, who: Principal, merchant_id: uuid.UUID) -> Merchant:
    merchant = await visible_merchant(db, who, merchant_id)
    if not manages(who, merchant):
        raise errors.NotYourCommunity()
    return merchant


async def get_merchant(db: AsyncSession, who: Principal, merchant_id: uuid.UUID) -> MerchantOut:
    return await merchant_out(db, who, await visible_merchant(db, who, merchant_id))


async def list_merchants(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    community_id: uuid.UUID | None = None,
    category: str | None = None,
    include_inactive: bool = False,
) -> Page[Any]:
    query = select(Merchant).order_by(Merchant.name, Merchant.id).limit(params.limit + 1)
    if include_inactive:
        query = query.where(
            or_(
                Merchant.active.is_(True),
                Merchant.community_id.in_(who.staff_communities),
                Merchant.id.in_(who.merchant_ids),
            )
        )
    else:
        query = query.where(Merchant.active.is_(True))
    if community_id is not None:
        query = query.where(Merchant.community_id == community_id)
    if category is not None:
        query = query.where(Merchant.category == category)
    position = params.after(str, uuid.UUID)
    if position:
        query = query.where(
            tuple_(Merchant.name, Merchant.id) > tuple_(literal(position[0]), literal(position[1]))
        )
    rows = list((await db.execute(query)).scalars())
    rates: dict[uuid.UUID, int] = {}
    out = []
    for merchant in rows:
        if merchant.community_id not in rates:
            rates[merchant.community_id] = await community_rate(db, merchant.community_id)
        out.append(await merchant_out(db, who, merchant, rates[merchant.community_id]))
    return page_of(out, params, lambda m: [m.name, str(m.id)])


async def create_merchant(db: AsyncSession, who: Principal, body: MerchantIn) -> MerchantOut:
    community_id = acting_community(who, body.community_id)
    merchant = Merchant(
        community_id=community_id,
        name=body.name,
        address=body.address,
        category=body.category,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        fen_per_point=body.fen_per_point,
        active=body.active,
    )
    db.add(merchant)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="merchant.create",
        target_type="merchant",
        target_id=merchant.id,
        community_id=community_id,
        name=merchant.name,
    )
    return await merchant_out(db, who, merchant, await community_rate(db, community_id))


async def update_merchant(
    db: AsyncSession, who: Principal, merchant_id: uuid.UUID, body: MerchantPatch
) -> MerchantOut:
    merchant = await managed_merchant(db, who, merchant_id)
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if field in {"name", "active"} and value is None:
            raise ValidationFailed(_(f"{field} 不能为空", f"{field} cannot be null"))
        setattr(merchant, field, value)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="merchant.update",
        target_type="merchant",
        target_id=merchant.id,
        community_id=merchant.community_id,
        fields=",".join(sorted(changes)),
    )
    return await merchant_out(db, who, merchant)


# ---------------------------------------------------------------- offers


def offer_available(offer: Offer, now: datetime) -> bool:
    return (
        offer.active
        and (offer.valid_from is None or offer.valid_from <= now)
        and (offer.valid_until is None or offer.valid_until > now)
        and (offer.stock is None or offer.stock > 0)
    )


def offer_out(offer: Offer, now: datetime | None = None) -> OfferOut:
    return OfferOut(
        id=offer.id,
        merchant_id=offer.merchant_id,
        name=offer.name,
        points=offer.points,
        stock=offer.stock,
        per_resident_limit=offer.per_resident_limit,
        valid_from=offer.valid_from,
        valid_until=offer.valid_until,
        active=offer.active,
        available=offer_available(offer, now or clock.now()),
    )


def _may_edit_offers(who: Principal, merchant: Merchant) -> bool:
    return manages(who, merchant) or works_at(who, merchant)


async def list_offers(
    db: AsyncSession,
    who: Principal,
    merchant_id: uuid.UUID,
    params: PageParams,
    include_inactive: bool = False,
) -> Page[Any]:
    """Residents see the available offers of active merchants; the merchant's staff and community staff
    may ask for every offer."""
    merchant = await visible_merchant(db, who, merchant_id)
    now = clock.now()
    query: Select[Offer] = (
        select(Offer)
        .where(Offer.merchant_id == merchant.id)
        .order_by(Offer.name, Offer.id)
        .limit(params.limit + 1)
    )
    if not (include_inactive and _may_edit_offers(who, merchant)):
        query = query.where(
            Offer.active.is_(True),
            or_(Offer.valid_until.is_(None), Offer.valid_until > now),
        )
    position = params.after(str, uuid.UUID)
    if position:
        query = query.where(tuple_(Offer.name, Offer.id) > tuple_(literal(position[0]), literal(position[1])))
    rows = [offer_out(o, now) for o in (await db.execute(query)).scalars()]
    return page_of(rows, params, lambda o: [o.name, str(o.id)])


async def create_offer(db: AsyncSession, who: Principal, merchant_id: uuid.UUID, body: OfferIn) -> OfferOut:
    merchant = await visible_merchant(db, who, merchant_id)
    if not _may_edit_offers(who, merchant):
        raise errors.NotYourCommunity(
            _("只有该商户的店员或本社区工作人员可以管理商品", "Only this merchant's staff or community staff")
        )
    offer = Offer(merchant_id=merchant.id, **body.model_dump())
    db.add(offer)
    await db.flush()
    return offer_out(offer)


async def update_offer(
    db: AsyncSession, who: Principal, merchant_id: uuid.UUID, offer_id: uuid.UUID, body: OfferPatch
) -> OfferOut:
    merchant = await visible_merchant(db, who, merchant_id)
    if not _may_edit_offers(who, merchant):
        raise errors.NotYourCommunity(
            _("只有该商户的店员或本社区工作人员可以管理商品", "Only this merchant's staff or community staff")
        )
    offer = (
        await db.execute(
            select(Offer).where(Offer.id == offer_id, Offer.merchant_id == merchant.id).with_for_update()
        )
    ).scalar_one_or_none()
    if offer is None:
        raise errors.OfferNotFound()
    changes = body.model_dump(exclude_unset=True)
    unlimited = changes.pop("unlimited", None)
    for field, value in changes.items():
        if field in {"name", "points", "active"} and value is None:
            raise ValidationFailed(_(f"{field} 不能为空", f"{field} cannot be null"))
        setattr(offer, field, value)
    if unlimited:
        offer.stock = None
    if offer.valid_from and offer.valid_until and offer.valid_until <= offer.valid_from:
        raise ValidationFailed(_("有效期结束时间须晚于开始时间", "valid_until must be after valid_from"))
    await db.flush()
    return offer_out(offer)


# ---------------------------------------------------------------- redemption codes


def new_code() -> str:
    """18 uniformly random digits from the OS CSPRNG (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _qr_data_uri(code: str) -> str:
    return segno.make_qr(code, error="m").png_data_uri(scale=6, border=2)


async def issue_code(db: AsyncSession, who: Principal) -> RedemptionCodeOut:
    """A fresh code for the resident; the previous one (if any) stops working in the same statement."""
    if who.community_id is None:
        raise errors.CommunityRequired()
    code = new_code()
    now = clock.now()
    expires_at = now + timedelta(seconds=rules().code_seconds)
    values = {"code_hash": sha256_hex(code), "issued_at": now, "expires_at": expires_at, "used_at": None}
    await db.execute(
        insert(RedemptionCode)
        .values(user_id=who.id, **values)
        .on_conflict_do_update(index_elements=[RedemptionCode.user_id], set_=values)
    )
    qr = await asyncio.to_thread(_qr_data_uri, code)
    return RedemptionCodeOut(code=code, expires_at=expires_at, qr=qr)


async def purge_codes(db: AsyncSession, now: datetime, keep: timedelta | None = None) -> int:
    """Delete codes expired for longer than `keep` (default LINLI_MERCHANTS_CODE_KEPT_MINUTES); an old code
    then reads as invalid, not expired."""
    if keep is None:
        keep = timedelta(minutes=rules().code_kept_minutes)
    result = await db.execute(delete(RedemptionCode).where(RedemptionCode.expires_at < now - keep))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def require_in_community(db: AsyncSession, merchant_id: uuid.UUID, community_id: uuid.UUID) -> None:
    """For another domain naming a merchant (a bookable service's provider): it must be of that community."""
    merchant = await db.get(Merchant, merchant_id)
    if merchant is None or merchant.community_id != community_id:
        raise errors.MerchantNotFound()
