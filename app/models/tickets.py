"""Hotline tickets (工单): categories with their SLA, tickets, timeline, extensions, photos, Open311 keys."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class TicketStatus(enum.StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    dispatched = "dispatched"
    in_progress = "in_progress"
    pending_info = "pending_info"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    merged = "merged"


OPEN_STATUSES = (
    TicketStatus.submitted,
    TicketStatus.accepted,
    TicketStatus.dispatched,
    TicketStatus.in_progress,
    TicketStatus.pending_info,
)


class TicketChannel(enum.StrEnum):
    app = "app"
    hotline = "hotline"
    walk_in = "walk_in"
    open311 = "open311"


class TicketRating(enum.StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class Visibility(enum.StrEnum):
    public = "public"
    internal = "internal"


class ExtensionStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


# The urgency key of a ticket with no running deadline: sorts after every real deadline.
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)


class TicketCategory(UUIDPk, Timestamps, Base):
    """A kind of request with its routing (default department) and SLA policy."""

    __tablename__ = "ticket_categories"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        CheckConstraint("accept_within_hours > 0 AND resolve_within_hours > 0", name="sla_positive"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    default_department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    accept_within_hours: Mapped[int] = mapped_column(Integer)
    resolve_within_hours: Mapped[int] = mapped_column(Integer)
    # True: the hours count working hours on working days only (China's official calendar).
    working_time: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # True: a ticket filed with a building goes straight to its grid's queue (the grid's workers, i.e.
    # the handlers held at the grid, see it at once) instead of waiting for a department at dispatch.
    route_to_grid: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class TicketDayCounter(Base):
    """The last number handed out per community per (Shanghai) day: GD20261122-0007."""

    __tablename__ = "ticket_day_counters"

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Ticket(UUIDPk, Timestamps, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        CheckConstraint("priority >= 0", name="priority_non_negative"),
        CheckConstraint("status <> 'merged' OR merged_into_id IS NOT NULL", name="merged_has_survivor"),
        # The queues: one community's (or a handler's, or a reporter's) tickets in urgency order.
        Index("ix_tickets_queue", "community_id", "queue_at", "id"),
        Index("ix_tickets_community_status_queue", "community_id", "status", "queue_at", "id"),
        Index("ix_tickets_assignee_queue", "assignee_id", "queue_at", "id"),
        Index("ix_tickets_department_queue", "department_id", "queue_at", "id"),
        Index("ix_tickets_reporter_created", "reporter_id", "created_at", "id"),
        Index("ix_tickets_community_created", "community_id", "created_at"),
        Index(
            "ix_tickets_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_tickets_queue_global", "queue_at", "id"),
        Index("ix_tickets_grid_queue", "grid_id", "queue_at", "id"),
        Index("ix_tickets_building_queue", "building_id", "queue_at", "id"),
        Index(
            "ix_tickets_resolved_at",
            "resolved_at",
            postgresql_where=text("status = 'resolved'"),
        ),
        # Open311's public list: only tickets staff made public, newest first.
        Index(
            "ix_tickets_public_created",
            "created_at",
            "id",
            postgresql_where=text("public_at IS NOT NULL"),
        ),
    )

    number: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_categories.id"), index=True)
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "ticket_status"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[TicketChannel] = mapped_column(str_enum(TicketChannel, "ticket_channel"))
    # The resident the ticket is for (None for an anonymous hotline caller or an Open311 client).
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Who typed it in (the resident themself, or the staff member taking the call).
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    caller_name: Mapped[str | None] = mapped_column(String(50))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    open311_client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("open311_clients.id"))
    # The place (楼栋) the ticket is about, and the grid it stands in (kept so queues filter by equality).
    building_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("buildings.id"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    # What staff approved for the public (Open311): a summary in their words and the place rounded to
    # the building or street. Nothing else of a ticket leaves the staff side anonymously.
    public_summary: Mapped[str | None] = mapped_column(String(500))
    public_location: Mapped[str | None] = mapped_column(String(100))
    public_at: Mapped[datetime | None]
    public_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))

    accept_by: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    # The urgency key: the deadline now running (accept_by before acceptance, due_at after), or
    # NO_DEADLINE when none runs (paused, resolved, finished). Ordering by it puts overdue tickets
    # first, then the nearest deadline, straight off an index; NOT NULL keeps keyset paging simple.
    queue_at: Mapped[datetime]
    paused_at: Mapped[datetime | None]
    # The state a pending_info ticket goes back to when the resident answers.
    resume_status: Mapped[TicketStatus | None] = mapped_column(str_enum(TicketStatus, "ticket_status"))
    overdue_since: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None]

    responded_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reply: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[TicketRating | None] = mapped_column(str_enum(TicketRating, "ticket_rating"))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id"))

    search_text: Mapped[str] = mapped_column(
        Text, Computed("lower(number || ' ' || title || ' ' || description)", persisted=True)
    )


class TicketEvent(UUIDPk, Base):
    """One line of a ticket's timeline: who did what, when, and who may see it."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_created", "ticket_id", "created_at"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    # Insertion order: several events of one request share a timestamp.
    seq: Mapped[int] = mapped_column(BigInteger, Identity())
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[TicketStatus | None] = mapped_column(str_enum(TicketStatus, "ticket_status"))
    to_status: Mapped[TicketStatus | None] = mapped_column(str_enum(TicketStatus, "ticket_status"))
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, "ticket_visibility"))
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class TicketExtension(UUIDPk, Base):
    """A handler's request for more time (延期), approved or rejected by staff."""

    __tablename__ = "ticket_extensions"

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(str_enum(ExtensionStatus, "ticket_extension_status"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class TicketAttachment(UUIDPk, Base):
    """A photo, re-encoded without metadata, with its thumbnail."""

    __tablename__ = "ticket_attachments"

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Open311Client(UUIDPk, Base):
    """A machine client (a city 12345 platform) allowed to file requests with its api_key."""

    __tablename__ = "open311_clients"

    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The subtree it may file into (a street or one community).
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    revoked_at: Mapped[datetime | None]
