"""Consultation meetings (协商议事, 喝茶议事): topics, open seats, attendance, minutes and votes.

The meeting row caches `seats_taken` and is locked (`FOR UPDATE`) while a seat is taken or given back;
the CHECK `seats_taken <= seats` and the registrations' primary key back that lock, so the seats can
never be oversold and nobody holds two. Attendance is one row per person (unique per user), whether
scanned at the door or marked by staff; minutes are written once, when the meeting closes.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class Party(enum.StrEnum):
    """Who is invited to the table besides the residents who take an open seat."""

    resident_reps = "resident_reps"  # 居民代表
    property = "property"  # 物业
    owners_committee = "owners_committee"  # 业委会
    grid_workers = "grid_workers"  # 网格员
    resident_units = "resident_units"  # 驻区单位


PARTY_LABELS = {
    Party.resident_reps: "居民代表",
    Party.property: "物业",
    Party.owners_committee: "业委会",
    Party.grid_workers: "网格员",
    Party.resident_units: "驻区单位",
}


class MeetingStatus(enum.StrEnum):
    planned = "planned"  # 待召开: registration open until it starts
    closed = "closed"  # 已结束: minutes written
    cancelled = "cancelled"  # 已取消


MEETING_STATUS_LABELS = {
    MeetingStatus.planned: "待召开",
    MeetingStatus.closed: "已结束",
    MeetingStatus.cancelled: "已取消",
}


class TopicOutcome(enum.StrEnum):
    adopted = "adopted"  # 通过: the meeting agrees and the community acts on it
    rejected = "rejected"  # 不通过
    deferred = "deferred"  # 暂缓再议: back on the agenda for a later meeting
    referred = "referred"  # 转入四议两公开: a major matter, opened as a decision


OUTCOME_LABELS = {
    TopicOutcome.adopted: "通过",
    TopicOutcome.rejected: "不通过",
    TopicOutcome.deferred: "暂缓再议",
    TopicOutcome.referred: "转入四议两公开",
}


class AttendanceMethod(enum.StrEnum):
    qr = "qr"  # scanned the rotating code at the door
    staff = "staff"  # marked by staff (an invited party, a resident without a phone)


class Vote(enum.StrEnum):
    for_ = "for"  # 赞成
    against = "against"  # 反对
    abstain = "abstain"  # 弃权


class Meeting(UUIDPk, Timestamps, Base):
    """A consultation meeting of one community."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_community_starts", "community_id", "starts_at", "id"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "seats >= 0 AND seats_taken >= 0 AND seats_taken <= seats", name="seats_not_oversold"
        ),
        CheckConstraint("quorum >= 1", name="quorum_positive"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_with_time"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    parties: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    seats: Mapped[int]  # open seats residents register for
    seats_taken: Mapped[int] = mapped_column(default=0)
    quorum: Mapped[int]  # attendance the minutes need (法定人数)
    status: Mapped[MeetingStatus] = mapped_column(str_enum(MeetingStatus, "meeting_status"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    attendance_at_close: Mapped[int | None]
    minutes_note: Mapped[str | None] = mapped_column(Text)


class MeetingTopic(UUIDPk, Base):
    """One item of the agenda (from an accepted proposal, or written by staff) and, at closing, its minutes."""

    __tablename__ = "meeting_topics"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position"),
        UniqueConstraint("meeting_id", "proposal_id"),
        CheckConstraint(
            "(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR votes_against >= 0)"
            " AND (votes_abstain IS NULL OR votes_abstain >= 0)",
            name="votes_not_negative",
        ),
        CheckConstraint("(outcome IS NULL) = (summary IS NULL)", name="outcome_with_summary"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    # Minutes (纪要), written once at closing.
    summary: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[TopicOutcome | None] = mapped_column(str_enum(TopicOutcome, "meeting_topic_outcome"))
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))


class MeetingRegistration(Base):
    """A resident holding one of the open seats: the primary key makes it one each."""

    __tablename__ = "meeting_registrations"

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class MeetingAttendance(UUIDPk, Base):
    """Someone present: a resident (scanned or marked) or an invited party's person marked by staff."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    party: Mapped[str | None] = mapped_column(String(30))  # a Party value, or None for a resident
    method: Mapped[AttendanceMethod] = mapped_column(str_enum(AttendanceMethod, "meeting_attendance_method"))
    checked_in_at: Mapped[datetime] = mapped_column(default=clock.now)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class MeetingVote(Base):
    """One attendee's vote on one topic, when the minutes record votes per attendee."""

    __tablename__ = "meeting_votes"

    topic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_topics.id", ondelete="CASCADE"), primary_key=True
    )
    attendance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_attendance.id", ondelete="CASCADE"), primary_key=True
    )
    vote: Mapped[Vote] = mapped_column(str_enum(Vote, "meeting_vote"))
