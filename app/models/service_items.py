"""Service items (事项清单), applications taken in at the front and handled behind it, office hours (驻点服务).

An item's rules live in immutable versions: editing an item writes a new version, and an application pins
the version it was taken on, so an edit never changes what an application in flight asks for.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class ItemCategory(enum.StrEnum):
    civil_affairs = "civil_affairs"  # 民政
    veterans = "veterans"  # 优抚
    family_planning = "family_planning"  # 计生
    employment = "employment"  # 就业
    social_security = "social_security"  # 社保
    disability = "disability"  # 残联
    other = "other"  # 其他


CATEGORY_LABELS = {
    ItemCategory.civil_affairs: "民政",
    ItemCategory.veterans: "优抚",
    ItemCategory.family_planning: "计生",
    ItemCategory.employment: "就业",
    ItemCategory.social_security: "社保",
    ItemCategory.disability: "残联",
    ItemCategory.other: "其他",
}


class Channel(enum.StrEnum):
    window = "window"  # 窗口 (staff at the desk)
    agent = "agent"  # 代办 (a 代办员 on the resident's behalf)
    online = "online"  # 线上 (the resident in the app)


class RequestStatus(enum.StrEnum):
    awaiting_consent = "awaiting_consent"  # taken by a 代办员, the resident has not consented yet
    incomplete = "incomplete"  # required materials missing: one-time list sent, no clock
    submitted = "submitted"  # 受理: materials complete, the clock runs, waiting for the department
    processing = "processing"  # the department accepted it (后台办理)
    correction = "correction"  # 补正 asked: the clock is paused
    approved = "approved"
    rejected = "rejected"
    handed_over = "handed_over"  # the result reached the resident


OPEN_REQUEST_STATUSES = (RequestStatus.submitted, RequestStatus.processing, RequestStatus.correction)
CLOCK_RUNNING = (RequestStatus.submitted, RequestStatus.processing)


class Consent(enum.StrEnum):
    own = "own"  # the resident applies for themselves
    in_person = "in_person"  # at the desk, the resident present
    app = "app"  # the resident confirmed in the app
    signed_form = "signed_form"  # staff noted a signed authorisation form


class Handover(enum.StrEnum):
    window_pickup = "window_pickup"  # 窗口领取
    delivery = "delivery"  # 送达
    agent_handover = "agent_handover"  # 代办员转交


class Rating(enum.StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class ServiceItem(UUIDPk, Timestamps, Base):
    """The stable identity of an item; its rules are in `ServiceItemVersion` rows."""

    __tablename__ = "service_items"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    current_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ServiceItemVersion(UUIDPk, Base):
    """One immutable version of an item's rules."""

    __tablename__ = "service_item_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        CheckConstraint("time_limit_days >= 0", name="time_limit_not_negative"),
        CheckConstraint("fee_fen >= 0", name="fee_not_negative"),
    )

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[ItemCategory] = mapped_column(str_enum(ItemCategory, "service_item_category"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    conditions: Mapped[str] = mapped_column(Text, default="")
    # [{"id": "m1", "name": ..., "form": "original"|"copy", "count": 1, "required": true}]
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    time_limit_days: Mapped[int]
    fee_fen: Mapped[int] = mapped_column(default=0)
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ServiceRequest(UUIDPk, Timestamps, Base):
    """An application (办件): the resident it is for, who took it in, and the item version it runs on."""

    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_community_created", "community_id", "created_at"),
        Index(
            "ix_service_requests_open_due",
            "due_on",
            postgresql_where=text("status IN ('submitted', 'processing')"),
        ),
        CheckConstraint("paused_days >= 0", name="paused_days_not_negative"),
    )

    number: Mapped[str] = mapped_column(String(24), unique=True)
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_items.id"), index=True)
    item_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_item_versions.id"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    taken_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "service_channel"))
    consent: Mapped[Consent | None] = mapped_column(str_enum(Consent, "service_consent"))
    consent_at: Mapped[datetime | None]
    consent_noted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, "service_request_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    # Ids of the pinned version's materials ticked as received.
    materials_received: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    # Working-day clock (Asia/Shanghai dates): started at 受理, paused during 补正.
    started_on: Mapped[date | None]
    due_on: Mapped[date | None]
    paused_on: Mapped[date | None]
    paused_days: Mapped[int] = mapped_column(default=0)
    corrections: Mapped[int] = mapped_column(default=0)
    escalated_for: Mapped[date | None]  # the due_on this application was last escalated for
    decided_on: Mapped[date | None]
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    handover: Mapped[Handover | None] = mapped_column(str_enum(Handover, "service_handover"))
    handed_over_at: Mapped[datetime | None]
    rating: Mapped[Rating | None] = mapped_column(str_enum(Rating, "service_rating"))
    rating_comment: Mapped[str | None] = mapped_column(Text)


class ServiceRequestEvent(Base):
    """One step on an application's timeline; `public` ones are the resident's to see."""

    __tablename__ = "service_request_events"
    __table_args__ = (Index("ix_service_request_events_request_seq", "request_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus, "service_request_status"))
    body: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ServiceRequestCounter(Base):
    """Per community and Shanghai day, the last application number handed out (SX20261128-0001)."""

    __tablename__ = "service_request_counters"

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last: Mapped[int]


# ---------------------------------------------------------------- office hours (驻点服务)


class OfficeTopic(enum.StrEnum):
    legal_aid = "legal_aid"  # 法律援助
    mediation = "mediation"  # 矛盾调解
    hr_policy = "hr_policy"  # 人社政策
    civil_affairs = "civil_affairs"  # 民政政策
    clinic = "clinic"  # 义诊
    other = "other"


class Recurrence(enum.StrEnum):
    weekly = "weekly"
    monthly = "monthly"  # on given weeks of the month (第一、三个周二)


class OfficeHours(UUIDPk, Timestamps, Base):
    """A visiting official's or professional's recurring presence in the community."""

    __tablename__ = "office_hours"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    official_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    official_name: Mapped[str] = mapped_column(String(50))
    official_title: Mapped[str] = mapped_column(String(100), default="")
    topic: Mapped[OfficeTopic] = mapped_column(str_enum(OfficeTopic, "office_topic"))
    title: Mapped[str] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(200), default="")
    recurrence: Mapped[Recurrence] = mapped_column(str_enum(Recurrence, "office_recurrence"))
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(Integer))  # ISO 1 = Monday … 7 = Sunday
    weeks_of_month: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)  # 1..5, -1 = last
    start_time: Mapped[time]
    end_time: Mapped[time]
    starts_on: Mapped[date]
    until: Mapped[date | None]
    capacity: Mapped[int] = mapped_column(default=0)  # bookable places per session; 0 = walk-in only
    booking_service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking_services.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class OfficeSession(UUIDPk, Base):
    """One occurrence of office hours; holds the walk-in queue's counters."""

    __tablename__ = "office_sessions"
    __table_args__ = (
        UniqueConstraint("office_hours_id", "day"),
        CheckConstraint("last_number >= 0", name="last_number_not_negative"),
    )

    office_hours_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("office_hours.id", ondelete="CASCADE"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    day: Mapped[date]
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    last_number: Mapped[int] = mapped_column(default=0)
    booking_slot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("booking_slots.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class QueueStatus(enum.StrEnum):
    waiting = "waiting"
    called = "called"
    done = "done"


class QueueNumber(UUIDPk, Base):
    """A number taken in a session's walk-in queue (取号)."""

    __tablename__ = "office_queue_numbers"
    __table_args__ = (
        UniqueConstraint("session_id", "number"),
        Index(
            "uq_office_queue_numbers_session_user",
            "session_id",
            "user_id",
            unique=True,
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index("ix_office_queue_numbers_session_status", "session_id", "status", "number"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("office_sessions.id", ondelete="CASCADE"))
    number: Mapped[int]
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(50), default="")
    taken_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[QueueStatus] = mapped_column(str_enum(QueueStatus, "office_queue_status"))
    taken_at: Mapped[datetime] = mapped_column(default=clock.now)
    called_at: Mapped[datetime | None]
    called_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ConsultationNote(UUIDPk, Base):
    """Private notes of a consultation: the official who wrote them and the community's staff only."""

    __tablename__ = "office_consultation_notes"

    office_hours_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("office_hours.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    queue_number_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office_queue_numbers.id"))
    resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
