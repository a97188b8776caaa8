"""The in-app inbox, WeChat subscribe-message grants, deliveries and every delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, UUIDPk


class Notification(UUIDPk, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        # The unread badge and the "unread" filter only ever look at a user's unread rows.
        Index(
            "ix_notifications_user_unread",
            "user_id",
            "created_at",
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]


class SubscribeGrant(Base):
    """One-time subscribe-message grants a user gave a template (wx.requestSubscribeMessage "accept").

    Each accept allows WeChat to deliver exactly one message of that template; they add up.
    """

    __tablename__ = "subscribe_grants"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    remaining: Mapped[int] = mapped_column(default=0)
    granted_total: Mapped[int] = mapped_column(default=0)
    spent_total: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


DELIVERY_STATUSES = ("pending", "sent", "refused", "no_grant", "failed", "gave_up", "unconfirmed")


class Delivery(UUIDPk, Base):
    """One notification on its way to WeChat as a subscribe message (the worker sends it)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "template_id"),
        CheckConstraint(
            "status IN ('pending', 'sent', 'refused', 'no_grant', 'failed', 'gave_up', 'unconfirmed')",
            name="status_known",
        ),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # How many sends were tried; a job carries the attempt number it is for, so a duplicate job is a no-op.
    attempts: Mapped[int] = mapped_column(default=0)
    grant_spent: Mapped[bool] = mapped_column(default=False)
    # The send in flight: set and committed before the call to WeChat, cleared when its outcome is
    # recorded (kept on a finished delivery). An attempt that finds one still set does not send again.
    send_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    send_started_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None]


class DeliveryAttempt(UUIDPk, Base):
    """Every call to cgi-bin/message/subscribe/send, with its outcome."""

    __tablename__ = "notification_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    # sent | refused | retry | failed | gave_up
    outcome: Mapped[str] = mapped_column(String(16))
    errcode: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(255))
    request: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    at: Mapped[datetime] = mapped_column(default=clock.now)
