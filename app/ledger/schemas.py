"""Request and response bodies of the ledger API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import Text
from app.models.ledger import Asset, TransferKind


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


MAX_AMOUNT = 1_000_000


class WalletOut(BaseModel):
    points: int
    hours_minutes: int
    points_available: int = Field(description="Points not reserved by pending holds (bookings)")
    hours_minutes_available: int


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset: Asset
    amount: int = Field(description="Signed: positive in, negative out (hours in minutes)")
    kind: TransferKind
    counterparty: str = Field(description="Who is on the other side (names masked)")
    reference: str | None
    memo: str | None
    balance_after: int
    created_at: datetime


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset: Asset
    amount: int
    kind: TransferKind
    reference: str | None
    memo: str | None
    created_at: datetime


class GrantIn(BaseModel):
    user_id: uuid.UUID
    asset: Asset
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Points, or minutes for hours")
    reason: Text = Field(min_length=1, max_length=200)


class DonationIn(BaseModel):
    to_user_id: uuid.UUID
    asset: Asset
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Points, or minutes for hours")
    memo: Text | None = Field(default=None, max_length=200)
