"""HTTP routes of the ledger domain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.core.database import DB
from app.identity.deps import Admin
from app.ledger.check import check_invariants
from app.ledger.schemas import LedgerCheckOut

router = APIRouter(tags=["ledger"])


@router.get("/ledger/check", response_model=LedgerCheckOut)
async def ledger_check(who: Admin, db: DB) -> dict[str, Any]:
    """Verify the ledger invariants (balances equal their transfers; each asset sums to zero)."""
    return await check_invariants(db)
