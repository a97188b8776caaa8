"""HTTP routes of the merchants domain: parse, authorise, call one service function, return a schema."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from app.core.database import DB
from app.core.exports import response as download
from app.core.pagination import Page, Pagination
from app.core.ratelimit import Limiter
from app.core.text import Text
from app.identity.deps import CurrentUser, MerchantStaff, Staff
from app.merchants import exports, redemption_history, redemptions, refunds, service, settlements
from app.merchants.schemas import (
    MerchantIn,
    MerchantOut,
    MerchantPatch,
    OfferIn,
    OfferOut,
    OfferPatch,
    PayIn,
    PendingRedemptionOut,
    RedeemIn,
    RedemptionCodeOut,
    RedemptionFilter,
    RedemptionOut,
    RedemptionSummary,
    RefundIn,
    RefundOut,
    SettlementDetail,
    SettlementIn,
    SettlementOut,
)
from app.models.merchants import SettlementStatus
from app.platform.idempotency import IdempotencyDep, RequiredIdempotency

router = APIRouter()


async def _limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


LimiterDep = Annotated[Limiter, Depends(_limiter)]
SettlementId = Annotated[uuid.UUID, Path(description="Settlement statement id")]
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
    category: Annotated[Text | None, Query(max_length=50)] = None,
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


@router.delete("/merchants/{merchant_id}/lockout", status_code=204, tags=["redemptions"])
async def lift_lockout(merchant_id: uuid.UUID, who: Staff, db: DB, limiter: LimiterDep) -> Response:
    """Lift a till's lock-out after wrong codes (community staff; audited)."""
    await redemptions.lift_lockout(db, who, limiter, merchant_id)
    return Response(status_code=204)


@router.post("/redemptions", response_model=RedemptionOut, status_code=201, tags=["redemptions"])
async def redeem(
    body: RedeemIn, who: MerchantStaff, db: DB, idem: RequiredIdempotency, limiter: LimiterDep
) -> JSONResponse:
    """Redeem a scanned code for an amount or an offer (merchant staff; Idempotency-Key required)."""
    return await idem.run(str(who.id), RedemptionOut, lambda: redemptions.redeem(db, who, limiter, body))


@router.get("/redemptions/pending", response_model=list[PendingRedemptionOut], tags=["redemptions"])
async def my_pending(who: CurrentUser, db: DB) -> list[PendingRedemptionOut]:
    """Large redemptions waiting for my confirmation (resident)."""
    return await redemptions.pending_for_resident(db, who)


@router.get("/redemptions/pending/{pending_id}", response_model=PendingRedemptionOut, tags=["redemptions"])
async def get_pending(pending_id: uuid.UUID, who: CurrentUser, db: DB) -> PendingRedemptionOut:
    """Where a pending redemption stands (the resident, or the till that asked)."""
    return await redemptions.get_pending(db, who, pending_id)


@router.post(
    "/redemptions/pending/{pending_id}/confirm", response_model=PendingRedemptionOut, tags=["redemptions"]
)
async def confirm_pending(pending_id: uuid.UUID, who: CurrentUser, db: DB) -> PendingRedemptionOut:
    """Confirm a large redemption on my phone: the points move now (resident)."""
    return await redemptions.decide_pending(db, who, pending_id, confirm=True)


@router.post(
    "/redemptions/pending/{pending_id}/decline", response_model=PendingRedemptionOut, tags=["redemptions"]
)
async def decline_pending(pending_id: uuid.UUID, who: CurrentUser, db: DB) -> PendingRedemptionOut:
    """Decline a redemption I did not agree to (resident)."""
    return await redemptions.decide_pending(db, who, pending_id, confirm=False)


@router.get("/redemptions", response_model=Page[RedemptionOut], tags=["redemptions"])
async def list_redemptions(who: CurrentUser, db: DB, page: Pagination, f: Filter) -> Page[Any]:
    """Redemptions, newest first: merchant staff their shop's, staff their community's, residents their own."""
    return await redemption_history.list_redemptions(db, who, page, f)


@router.get("/redemptions/summary", response_model=RedemptionSummary, tags=["redemptions"])
async def redemption_summary(who: CurrentUser, db: DB, f: Filter) -> RedemptionSummary:
    """Totals per day and per staff member over the same filters as the list."""
    return await redemption_history.summary(db, who, f)


@router.get("/redemptions/{redemption_id}", response_model=RedemptionOut, tags=["redemptions"])
async def get_redemption(redemption_id: RedemptionId, who: CurrentUser, db: DB) -> RedemptionOut:
    """One redemption in your scope."""
    return await redemption_history.get_redemption(db, who, redemption_id)


@router.post(
    "/redemptions/{redemption_id}/refund", response_model=RefundOut, status_code=201, tags=["redemptions"]
)
async def refund(
    redemption_id: RedemptionId, body: RefundIn, who: CurrentUser, db: DB, idem: RequiredIdempotency
) -> JSONResponse:
    """Refund all or part of a redemption (merchant staff within the window, community staff any time)."""
    return await idem.run(str(who.id), RefundOut, lambda: refunds.refund(db, who, redemption_id, body))


@router.get("/exports/redemptions.csv", response_class=Response, tags=["redemptions"])
async def export_redemptions_csv(who: Staff, db: DB, f: Filter) -> Response:
    """Your communities' redemptions as CSV (staff)."""
    return await download(await exports.redemptions_file(db, who, f), "csv")


@router.get("/exports/redemptions.xlsx", response_class=Response, tags=["redemptions"])
async def export_redemptions_xlsx(who: Staff, db: DB, f: Filter) -> Response:
    """Your communities' redemptions as an Excel workbook (staff)."""
    return await download(await exports.redemptions_file(db, who, f), "xlsx")


# ---------------------------------------------------------------- settlements (结算)


@router.post("/settlements", response_model=SettlementDetail, status_code=201, tags=["settlements"])
async def create_settlement(body: SettlementIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Close a period for a merchant: a draft statement of everything unsettled up to period_end."""
    return await idem.run(str(who.id), SettlementDetail, lambda: settlements.create(db, who, body))


@router.get("/settlements", response_model=Page[SettlementOut], tags=["settlements"])
async def list_settlements(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    merchant_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[SettlementStatus | None, Query()] = None,
) -> Page[Any]:
    """Statements, newest first: staff their communities', merchant staff their merchant's."""
    return await settlements.list_settlements(db, who, page, merchant_id, status)


@router.get("/settlements/{settlement_id}", response_model=SettlementDetail, tags=["settlements"])
async def get_settlement(settlement_id: SettlementId, who: CurrentUser, db: DB) -> SettlementDetail:
    """One statement with its lines (redemptions positive, refunds negative)."""
    return await settlements.get(db, who, settlement_id)


@router.post("/settlements/{settlement_id}/confirm", response_model=SettlementOut, tags=["settlements"])
async def confirm_settlement(
    settlement_id: SettlementId, who: Staff, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Confirm a draft: the net points move to the community settlement account (staff)."""
    return await idem.run(
        str(who.id), SettlementOut, lambda: settlements.confirm(db, who, settlement_id), status_code=200
    )


@router.post("/settlements/{settlement_id}/pay", response_model=SettlementOut, tags=["settlements"])
async def pay_settlement(settlement_id: SettlementId, body: PayIn, who: Staff, db: DB) -> SettlementOut:
    """Record that the merchant has been paid the yuan amount (staff)."""
    return await settlements.pay(db, who, settlement_id, body)


@router.post("/settlements/{settlement_id}/discard", response_model=SettlementOut, tags=["settlements"])
async def discard_settlement(settlement_id: SettlementId, who: Staff, db: DB) -> SettlementOut:
    """Discard a draft; its items become unsettled again (staff)."""
    return await settlements.discard(db, who, settlement_id)


@router.get("/settlements/{settlement_id}/export.csv", response_class=Response, tags=["settlements"])
async def export_settlement_csv(settlement_id: SettlementId, who: CurrentUser, db: DB) -> Response:
    """The statement as CSV."""
    return await download(await exports.settlement_file(db, who, settlement_id), "csv")


@router.get("/settlements/{settlement_id}/export.xlsx", response_class=Response, tags=["settlements"])
async def export_settlement_xlsx(settlement_id: SettlementId, who: CurrentUser, db: DB) -> Response:
    """The statement as an Excel workbook."""
    return await download(await exports.settlement_file(db, who, settlement_id), "xlsx")
