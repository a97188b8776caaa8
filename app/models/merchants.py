"""Merchants (爱心商户), their offers, redemption codes, redemptions (核销), refunds and settlements (结算).

The foundation created `merchants` (needed for merchant-staff invitations); issue #5 adds the rest.
Points never live here: every movement is a ledger transfer, and these rows keep its id.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class Merchant(UUIDPk, Timestamps, Base):
    __tablename__ = "merchants"
    __table_args__ = (CheckConstraint("fen_per_point IS NULL OR fen_per_point > 0", name="rate_positive"),)

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    address: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(50))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    # Points-to-yuan rate override in fen per point; None means the community's OrgUnit.fen_per_point.
    fen_per_point: Mapped[int | None]


class Offer(UUIDPk, Timestamps, Base):
    """A fixed-price item in points (e.g. 一桶食用油 = 300 points), optionally with limited stock."""

    __tablename__ = "merchant_offers"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("per_resident_limit IS NULL OR per_resident_limit > 0", name="limit_positive"),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from", name="validity"
        ),
    )

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    points: Mapped[int]
    # None: unlimited.
    stock: Mapped[int | None]
    per_resident_limit: Mapped[int | None]
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)


class RedemptionCode(Base):
    """The one live code of a resident: asking for a new one overwrites the row, which invalidates the old
    code atomically (no window where two codes of one resident are valid). Only the SHA-256 is stored."""

    __tablename__ = "redemption_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class RedemptionStatus(enum.StrEnum):
    completed = "completed"
    partially_refunded = "partially_refunded"
    refunded = "refunded"


class SettlementStatus(enum.StrEnum):
    draft = "draft"
    confirmed = "confirmed"
    paid = "paid"
    discarded = "discarded"


class Settlement(UUIDPk, Base):
    """A statement (结算单) of a merchant's unsettled redemptions and refunds up to `period_end`."""

    __tablename__ = "merchant_settlements"
    __table_args__ = (
        # One open draft per merchant: two staff closing the same period at once cannot both win.
        Index(
            "uq_merchant_settlements_one_draft",
            "merchant_id",
            unique=True,
            postgresql_where=text("status = 'draft'"),
        ),
        Index("ix_merchant_settlements_community_created", "community_id", "created_at"),
        CheckConstraint("fen_per_point > 0", name="rate_positive"),
    )

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id"), index=True)
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[SettlementStatus] = mapped_column(
        str_enum(SettlementStatus, "settlement_status"), default=SettlementStatus.draft
    )
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime]
    redemption_count: Mapped[int] = mapped_column(default=0)
    refund_count: Mapped[int] = mapped_column(default=0)
    redeemed_points: Mapped[int] = mapped_column(default=0)
    refunded_points: Mapped[int] = mapped_column(default=0)
    net_points: Mapped[int] = mapped_column(default=0)
    fen_per_point: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    transfer_id: Mapped[uuid.UUID | None]
    paid_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None]
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    discarded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    discarded_at: Mapped[datetime | None]


class Redemption(UUIDPk, Base):
    """Points spent by a resident at a merchant (核销): one ledger transfer resident → merchant."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("refunded_points >= 0 AND refunded_points <= points", name="refund_within_points"),
        Index("ix_redemptions_merchant_created", "merchant_id", "created_at"),
        Index("ix_redemptions_community_created", "community_id", "created_at"),
        Index("ix_redemptions_resident_created", "resident_id", "created_at"),
        Index("ix_redemptions_offer_resident", "offer_id", "resident_id"),
        Index(
            "ix_redemptions_unsettled",
            "merchant_id",
            "created_at",
            postgresql_where=text("settlement_id IS NULL"),
        ),
    )

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    offer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("merchant_offers.id"))
    points: Mapped[int]
    refunded_points: Mapped[int] = mapped_column(default=0)
    status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus, "redemption_status"), default=RedemptionStatus.completed
    )
    # The ledger transfer that moved the points (ledger ids are referenced, never joined).
    transfer_id: Mapped[uuid.UUID]
    # A single column, so a redemption belongs to at most one statement by construction.
    settlement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("merchant_settlements.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Refund(UUIDPk, Base):
    """Points given back for (part of) a redemption: a reversing ledger transfer merchant → resident."""

    __tablename__ = "redemption_refunds"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_redemption_refunds_merchant_created", "merchant_id", "created_at"),
        Index(
            "ix_redemption_refunds_unsettled",
            "merchant_id",
            "created_at",
            postgresql_where=text("settlement_id IS NULL"),
        ),
    )

    redemption_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("redemptions.id"), index=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    transfer_id: Mapped[uuid.UUID]
    settlement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("merchant_settlements.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PendingRedemption(UUIDPk, Base):
    """A redemption above the confirmation threshold, waiting for the resident's yes on their phone.

    status: pending → confirmed (redemption_id set) | declined; a pending one past expires_at is expired.
    """

    __tablename__ = "pending_redemptions"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_pending_redemptions_resident_status", "resident_id", "status"),
    )

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("merchants.id"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    offer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("merchant_offers.id"))
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    redemption_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("redemptions.id"))
