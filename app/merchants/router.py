"""HTTP routes of the merchants domain: parse, authorise, call one service function, return a schema."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.idempotency import IdempotencyDep
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Staff
from app.merchants import service
from app.merchants.schemas import (
    MerchantIn,
    MerchantOut,
    MerchantPatch,
    OfferIn,
    OfferOut,
    OfferPatch,
    RedemptionCodeOut,
)

router = APIRouter()

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
