"""HTTP routes of the ledger domain: wallet, statement, grants, donations, the invariant check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import Admin, CurrentUser, Staff
from app.ledger import wallet as service
from app.ledger.check import check_invariants
from app.ledger.schemas import DonationIn, EntryOut, GrantIn, LedgerCheckOut, TransferOut, WalletOut
from app.models.ledger import Asset
from app.platform.idempotency import IdempotencyDep

router = APIRouter(tags=["ledger"])


@router.get("/wallet", response_model=WalletOut)
async def get_wallet(who: CurrentUser, db: DB) -> dict[str, int]:
    """My balances: points and time-bank minutes (我的积分与时长)."""
    return await service.wallet(db, who)


@router.get("/wallet/entries", response_model=Page[EntryOut])
async def wallet_entries(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    asset: Annotated[Asset | None, Query(description="points or hours; both when absent")] = None,
) -> Page[Any]:
    """My statement, newest first, with the balance after each entry (明细)."""
    return await service.entries(db, who, asset, page)


@router.post("/grants", response_model=TransferOut, status_code=201)
async def grant(body: GrantIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Issue points or hours to a resident, with a reason (发放; staff, audited)."""
    return await idem.run(str(who.id), TransferOut, lambda: service.grant(db, who, body), status_code=201)


@router.post("/transfers", response_model=TransferOut, status_code=201)
async def donate(body: DonationIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Give points or hours to a resident of my community (转赠)."""
    return await idem.run(str(who.id), TransferOut, lambda: service.donate(db, who, body), status_code=201)


@router.get("/ledger/check", response_model=LedgerCheckOut)
async def ledger_check(who: Admin, db: DB) -> dict[str, Any]:
    """Verify the ledger invariants (balances equal their transfers; each asset sums to zero)."""
    return await check_invariants(db)
