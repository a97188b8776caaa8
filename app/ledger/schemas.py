"""Request and response bodies of the ledger API."""

from __future__ import annotations

from pydantic import BaseModel


class BadAccount(BaseModel):
    account_id: str
    kind: str
    asset: str
    community_id: str | None
    balance: int
    transfers_sum: int
    reserved: int
    holds_sum: int


class Unbalanced(BaseModel):
    community_id: str | None
    asset: str
    sum: int


class LedgerCheckOut(BaseModel):
    ok: bool
    accounts: int
    transfers: int
    bad_accounts: list[BadAccount]
    bad_transfers: list[str]
    unbalanced: list[Unbalanced]
