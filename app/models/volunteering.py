"""Volunteer activities (志愿活动), their sign-ups and attendance, and mutual-aid requests (互助)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class ActivityStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    finished = "finished"
    settled = "settled"
    cancelled = "cancelled"


class SignupStatus(enum.StrEnum):
    signed_up = "signed_up"
    withdrawn = "withdrawn"


class HelpStatus(enum.StrEnum):
    open = "open"
    taken = "taken"
    completed = "completed"
    cancelled = "cancelled"


class Activity(UUIDPk, Timestamps, Base):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("minutes_reward >= 0 AND points_reward >= 0", name="rewards_non_negative"),
        CheckConstraint("signed_up >= 0 AND signed_up <= capacity", name="within_capacity"),
        Index("ix_activities_community_start", "community_id", "start_at"),
        # 补录: one paper activity is recorded once (racing double submissions meet this index).
        Index(
            "uq_activities_backfill",
            "community_id",
            "start_at",
            "title",
            unique=True,
            postgresql_where=text("backfilled_at IS NOT NULL"),
        ),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    organiser_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    capacity: Mapped[int]
    # The most minutes one attendee can earn (the planned length unless staff set less).
    minutes_reward: Mapped[int]
    points_reward: Mapped[int] = mapped_column(default=0)
    signup_deadline: Mapped[datetime]
    status: Mapped[ActivityStatus] = mapped_column(
        str_enum(ActivityStatus, "activity_status"), default=ActivityStatus.draft
    )
    # Active sign-ups, kept on the row (changed under its lock) so capacity holds under concurrency.
    signed_up: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    settled_at: Mapped[datetime | None]
    settled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # When the volunteers were reminded (once per activity, the day before).
    reminded_at: Mapped[datetime | None]
    # 补录: when staff recorded this past activity from paper, and which paper record it came from.
    backfilled_at: Mapped[datetime | None]
    backfill_source: Mapped[str | None] = mapped_column(String(200))


class Signup(UUIDPk, Base):
    __tablename__ = "activity_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id"),
        CheckConstraint(
            "checked_out_at IS NULL OR (checked_in_at IS NOT NULL AND checked_out_at >= checked_in_at)",
            name="out_after_in",
        ),
    )

    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[SignupStatus] = mapped_column(
        str_enum(SignupStatus, "activity_signup_status"), default=SignupStatus.signed_up
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    withdrawn_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    # Staff who recorded attendance by hand (None when the volunteer scanned the code).
    attendance_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    credited_minutes: Mapped[int | None]
    credited_points: Mapped[int | None]


class HelpRequest(UUIDPk, Timestamps, Base):
    """A resident asks a neighbour for help and offers time-bank minutes (互助)."""

    __tablename__ = "help_requests"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("helper_id IS NULL OR helper_id <> requester_id", name="not_own_helper"),
        Index("ix_help_requests_community_status", "community_id", "status"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    helper_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int]
    when_at: Mapped[datetime]
    status: Mapped[HelpStatus] = mapped_column(str_enum(HelpStatus, "help_status"), default=HelpStatus.open)
    taken_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # "requester" or "subsidy": who paid the minutes on completion.
    paid_by: Mapped[str | None] = mapped_column(String(20))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    disputed_at: Mapped[datetime | None]
    disputed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    dispute_reason: Mapped[str | None] = mapped_column(String(500))


class SubsidyUsage(UUIDPk, Base):
    """Minutes the community subsidy account paid in a month: the whole community (elder_id NULL) or
    one elder's requests. Counted first with an atomic upsert that refuses to pass the budget, so
    parallel completions cannot overspend it."""

    __tablename__ = "subsidy_usage"
    __table_args__ = (
        UniqueConstraint("community_id", "month", "elder_id", postgresql_nulls_not_distinct=True),
        CheckConstraint("minutes_used >= 0", name="minutes_not_negative"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    month: Mapped[date]  # first day of the month, Asia/Shanghai
    elder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    minutes_used: Mapped[int] = mapped_column(default=0)
