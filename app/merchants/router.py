"""HTTP routes of the merchants domain: parse, authorise, call one service function, return a schema."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.idempotency import IdempotencyDep, RequiredIdempotency
from app.core.pagination import Page, Pagination
from app.core.ratelimit import Limiter
from app.identity.deps import CurrentUser, MerchantStaff, Staff
from app.merchants import redemptions, service
from app.merchants.schemas import (
    MerchantIn,
    MerchantOut,
    MerchantPatch,
    OfferIn,
    OfferOut,
    OfferPatch,
    RedeemIn,
    RedemptionCodeOut,
    RedemptionFilter,
    RedemptionOut,
    RedemptionSummary,
    RefundIn,
    RefundOut,
)

router = APIRouter()


def _limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


LimiterDep = Annotated[Limiter, Depends(_limiter)]
RedemptionId = Annotated[uuid.UUID, Path(description="Redemption id")]
MerchantId = Annotated[uuid.UUID, Path(description="Merchant id")]
OfferId = Annotated[uuid.UUID, Path(description="Offer id")]


# ---------------------------------------------------------------- merchants


@router.get("/merchants", response_model=Page[MerchantOut], tags=["merchants"])
async def list_merchants(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    community_id: Annotated[uuid.UUID | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=50)] = None,
    include_inactive: Annotated[bool, Query(description="Also inactive ones you manage or work at")] = False,
) -> Page[Any]:
    """Participating merchants (爱心商户), by name; filter by community and category."""
    return await service.list_merchants(
        db, who, page, community_id=community_id, category=category, include_inactive=include_inactive
    )


@router.post("/merchants", response_model=MerchantOut, status_code=201, tags=["merchants"])
async def create_merchant(body: MerchantIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Add a merchant to your community (community staff)."""
    return await idem.run(str(who.id), MerchantOut, lambda: service.create_merchant(db, who, body))


@router.get("/merchants/{merchant_id}", response_model=MerchantOut, tags=["merchants"])
async def get_merchant(merchant_id: MerchantId, who: CurrentUser, db: DB) -> MerchantOut:
    """One merchant (inactive ones only to its community staff and its own staff)."""
    return await service.get_merchant(db, who, merchant_id)


@router.patch("/merchants/{merchant_id}", response_model=MerchantOut, tags=["merchants"])
async def update_merchant(merchant_id: MerchantId, body: MerchantPatch, who: Staff, db: DB) -> MerchantOut:
    """Change a merchant's details, rate override or active flag (community staff)."""
    return await service.update_merchant(db, who, merchant_id, body)


# ---------------------------------------------------------------- offers


@router.get("/merchants/{merchant_id}/offers", response_model=Page[OfferOut], tags=["merchants"])
async def list_offers(
    merchant_id: MerchantId,
    who: CurrentUser,
    db: DB,
    page: Pagination,
    include_inactive: Annotated[bool, Query(description="Merchant and community staff: every offer")] = False,
) -> Page[Any]:
    """A merchant's fixed-price offers in points."""
    return await service.list_offers(db, who, merchant_id, page, include_inactive)


@router.post("/merchants/{merchant_id}/offers", response_model=OfferOut, status_code=201, tags=["merchants"])
async def create_offer(
    merchant_id: MerchantId, body: OfferIn, who: CurrentUser, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Add an offer (the merchant's staff or community staff)."""
    return await idem.run(str(who.id), OfferOut, lambda: service.create_offer(db, who, merchant_id, body))


@router.patch("/merchants/{merchant_id}/offers/{offer_id}", response_model=OfferOut, tags=["merchants"])
async def update_offer(
    merchant_id: MerchantId, offer_id: OfferId, body: OfferPatch, who: CurrentUser, db: DB
) -> OfferOut:
    """Change or deactivate an offer (the merchant's staff or community staff)."""
    return await service.update_offer(db, who, merchant_id, offer_id, body)


# ---------------------------------------------------------------- redemption codes


@router.post("/redemption-codes", response_model=RedemptionCodeOut, status_code=201, tags=["redemptions"])
async def issue_code(who: CurrentUser, db: DB) -> RedemptionCodeOut:
    """A fresh single-use code (digits and QR) to show at the till; the previous one stops working."""
    return await service.issue_code(db, who)


# ---------------------------------------------------------------- redemptions (核销)


def _filter(
    merchant_id: Annotated[uuid.UUID | None, Query()] = None,
    staff_id: Annotated[uuid.UUID | None, Query(description="Redeemed by this staff member")] = None,
    day: Annotated[date | None, Query(description="One day (Asia/Shanghai)")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="First day, inclusive")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day, inclusive")] = None,
) -> RedemptionFilter:
    return RedemptionFilter(
        merchant_id=merchant_id, staff_id=staff_id, day=day, date_from=date_from, date_to=date_to
    )


Filter = Annotated[RedemptionFilter, Depends(_filter)]


@router.post("/redemptions", response_model=RedemptionOut, status_code=201, tags=["redemptions"])
async def redeem(
    body: RedeemIn, who: MerchantStaff, db: DB, idem: RequiredIdempotency, limiter: LimiterDep
) -> JSONResponse:
    """Redeem a scanned code for an amount or an offer (merchant staff; Idempotency-Key required)."""
    return await idem.run(str(who.id), RedemptionOut, lambda: redemptions.redeem(db, who, limiter, body))


@router.get("/redemptions", response_model=Page[RedemptionOut], tags=["redemptions"])
async def list_redemptions(who: CurrentUser, db: DB, page: Pagination, f: Filter) -> Page[Any]:
    """Redemptions, newest first: merchant staff their shop's, staff their community's, residents their own."""
    return await redemptions.list_redemptions(db, who, page, f)


@router.get("/redemptions/summary", response_model=RedemptionSummary, tags=["redemptions"])
async def redemption_summary(who: CurrentUser, db: DB, f: Filter) -> RedemptionSummary:
    """Totals per day and per staff member over the same filters as the list."""
    return await redemptions.summary(db, who, f)


@router.get("/redemptions/{redemption_id}", response_model=RedemptionOut, tags=["redemptions"])
async def get_redemption(redemption_id: RedemptionId, who: CurrentUser, db: DB) -> RedemptionOut:
    """One redemption in your scope."""
    return await redemptions.get_redemption(db, who, redemption_id)


@router.post(
    "/redemptions/{redemption_id}/refund", response_model=RefundOut, status_code=201, tags=["redemptions"]
)
async def refund(
    redemption_id: RedemptionId, body: RefundIn, who: CurrentUser, db: DB, idem: RequiredIdempotency
) -> JSONResponse:
    """Refund all or part of a redemption (merchant staff within the window, community staff any time)."""
    return await idem.run(str(who.id), RefundOut, lambda: redemptions.refund(db, who, redemption_id, body))
