"""Service bookings: services with their rules, slots with capacity, bookings, waitlists, suspensions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class ProviderKind(enum.StrEnum):
    centre = "centre"  # the community centre itself
    social_org = "social_org"  # a social organisation (社会组织)
    merchant = "merchant"  # a participating merchant


class Audience(enum.StrEnum):
    everyone = "everyone"  # anyone signed in
    residents = "residents"  # residents of the service's community
    seniors = "seniors"  # 60 and over (User.birth_date), any community


class SlotStatus(enum.StrEnum):
    open = "open"
    closed = "closed"  # takes no new bookings; existing ones stand
    cancelled = "cancelled"  # every booking cancelled and refunded


class BookingStatus(enum.StrEnum):
    pending_approval = "pending_approval"
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    checked_in = "checked_in"
    no_show = "no_show"
    cancelled = "cancelled"


# Bookings that hold a place in the slot (counted in BookingSlot.booked).
PLACE_HOLDING = (BookingStatus.pending_approval, BookingStatus.confirmed, BookingStatus.checked_in)
# Bookings that count for double-booking and quotas (everything but cancelled).
ACTIVE = (*PLACE_HOLDING, BookingStatus.waitlisted, BookingStatus.no_show)


class BookableService(UUIDPk, Timestamps, Base):
    """A service residents book: 便民理发, 日间照料, 法律咨询, 棋牌室 …"""

    __tablename__ = "booking_services"
    __table_args__ = (
        CheckConstraint("points_price >= 0", name="price_not_negative"),
        CheckConstraint("opens_days_ahead >= 0 AND closes_minutes_before >= 0", name="window_valid"),
        CheckConstraint("cancel_before_minutes >= 0", name="cancel_valid"),
        CheckConstraint(
            "(quota_per_week IS NULL OR quota_per_week > 0) AND (quota_per_day IS NULL OR quota_per_day > 0)",
            name="quota_positive",
        ),
        CheckConstraint("provider_kind <> 'merchant' OR merchant_id IS NOT NULL", name="merchant_provider"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    provider_kind: Mapped[ProviderKind] = mapped_column(
        str_enum(ProviderKind, "booking_provider_kind"), default=ProviderKind.centre
    )
    provider_name: Mapped[str] = mapped_column(String(100), default="")
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("merchants.id"))
    location: Mapped[str] = mapped_column(String(200), default="")
    audience: Mapped[Audience] = mapped_column(
        str_enum(Audience, "booking_audience"), default=Audience.everyone
    )
    points_price: Mapped[int] = mapped_column(default=0)
    opens_days_ahead: Mapped[int] = mapped_column(default=7)
    closes_minutes_before: Mapped[int] = mapped_column(default=30)
    cancel_before_minutes: Mapped[int] = mapped_column(default=120)
    quota_per_week: Mapped[int | None]
    quota_per_day: Mapped[int | None]
    approval_required: Mapped[bool] = mapped_column(default=False)
    waitlist: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class BookingSlot(UUIDPk, Base):
    """One bookable time of a service. `booked` counts the places held, guarded by a CHECK."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        # One live slot per service and start time; generating a schedule twice adds nothing.
        Index(
            "uq_booking_slots_service_start",
            "service_id",
            "start_at",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_booking_slots_community_start", "community_id", "start_at"),
    )

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booking_services.id", ondelete="CASCADE"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    status: Mapped[SlotStatus] = mapped_column(
        str_enum(SlotStatus, "booking_slot_status"), default=SlotStatus.open
    )
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Booking(UUIDPk, Timestamps, Base):
    """A resident's booking of a slot; cancelled ones are kept with their reason and actor."""

    __tablename__ = "bookings"
    __table_args__ = (
        # No double booking: one active booking per resident and slot.
        Index(
            "uq_bookings_slot_user_active",
            "slot_id",
            "user_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_bookings_slot_status", "slot_id", "status"),
        Index("ix_bookings_user_start", "user_id", "slot_start_at"),
        Index("ix_bookings_community_created", "community_id", "created_at"),
        CheckConstraint(
            "(status = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name="waitlist_position_iff_waitlisted",
        ),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booking_slots.id", ondelete="CASCADE"))
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("booking_services.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # Who made the booking: the resident, or the staff member acting for them (代预约).
    booked_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # Copied from the slot so quotas and no-show counts are plain range queries.
    slot_start_at: Mapped[datetime]
    slot_end_at: Mapped[datetime]
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, "booking_status"))
    waitlist_position: Mapped[int | None]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    points: Mapped[int] = mapped_column(default=0)
    hold_id: Mapped[uuid.UUID | None]  # the ledger's pending transfer (no FK across domains)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    promoted_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    no_show_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    reminded_day_at: Mapped[datetime | None]
    reminded_hour_at: Mapped[datetime | None]


class BookingSuspension(UUIDPk, Base):
    """Self-booking suspended after repeated no-shows, until `ends_at`."""

    __tablename__ = "booking_suspensions"
    __table_args__ = (Index("ix_booking_suspensions_user_ends", "user_id", "ends_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    no_shows: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
