"""The ledger: accounts (wallets, merchants, community system accounts), immutable transfers, holds.

Only `app.ledger.service` writes these tables. Balances are cached on the account row and moved in the
same transaction as the transfer row; the CHECK constraints are the database's copy of the rules the
service enforces (amounts positive, user and merchant accounts never below zero or below their holds).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, UUIDPk
from app.models.identity import str_enum


class Asset(enum.StrEnum):
    hours = "hours"  # stored as integer minutes
    points = "points"


class AccountKind(enum.StrEnum):
    user = "user"
    merchant = "merchant"
    system = "system"


class TransferKind(enum.StrEnum):
    volunteer_reward = "volunteer_reward"
    mutual_aid = "mutual_aid"
    donation = "donation"
    grant = "grant"
    redemption = "redemption"
    refund = "refund"
    booking_hold = "booking_hold"
    settlement = "settlement"
    reversal = "reversal"


class PendingStatus(enum.StrEnum):
    pending = "pending"
    posted = "posted"
    voided = "voided"
    expired = "expired"


class Account(UUIDPk, Base):
    """One wallet per (user, asset), one points account per merchant, system accounts per community."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("user_id", "asset"),
        UniqueConstraint("merchant_id", "asset"),
        UniqueConstraint("community_id", "purpose", "asset"),
        CheckConstraint(
            "(kind = 'user') = (user_id IS NOT NULL)"
            " AND (kind = 'merchant') = (merchant_id IS NOT NULL)"
            " AND (kind = 'system') = (purpose IS NOT NULL)"
            " AND (kind <> 'system' OR community_id IS NOT NULL)",
            name="owner",
        ),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        # User and merchant accounts never go negative, nor below what their holds reserve.
        CheckConstraint("kind = 'system' OR (balance >= 0 AND balance >= reserved)", name="non_negative"),
    )

    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "ledger_account_kind"))
    asset: Mapped[Asset] = mapped_column(str_enum(Asset, "ledger_asset"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("merchants.id"))
    # The community whose value this account holds (for a wallet: the owner's community when it last
    # held value); each asset sums to zero per community.
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    purpose: Mapped[str | None] = mapped_column(String(20))  # system accounts: issuance|subsidy|settlement
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # Sum of this account's pending holds (as debit): available = balance - reserved.
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Transfer(UUIDPk, Base):
    """An immutable movement of `amount` from debit to credit; corrected only by a reversing transfer."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        Index("ix_ledger_transfers_debit", "debit_account_id", "created_at"),
        Index("ix_ledger_transfers_credit", "credit_account_id", "created_at"),
    )

    asset: Mapped[Asset] = mapped_column(str_enum(Asset, "ledger_asset"))
    debit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[TransferKind] = mapped_column(str_enum(TransferKind, "ledger_transfer_kind"))
    reference: Mapped[str | None] = mapped_column(String(100), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transfers.id"), index=True)
    pending_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledger_pending_transfers.id"), unique=True
    )
    # Balances of both sides right after this transfer (the wallet statement shows them).
    debit_balance_after: Mapped[int] = mapped_column(BigInteger)
    credit_balance_after: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


class PendingTransfer(UUIDPk, Base):
    """A hold: funds reserved on the debit account until posted, voided or expired."""

    __tablename__ = "ledger_pending_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="distinct_accounts"),
        Index("ix_ledger_pending_transfers_open", "status", "expires_at"),
    )

    asset: Mapped[Asset] = mapped_column(str_enum(Asset, "ledger_asset"))
    debit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    credit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[TransferKind] = mapped_column(str_enum(TransferKind, "ledger_transfer_kind"))
    reference: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[PendingStatus] = mapped_column(
        str_enum(PendingStatus, "ledger_pending_status"), default=PendingStatus.pending
    )
    expires_at: Mapped[datetime]
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    resolved_at: Mapped[datetime | None]
