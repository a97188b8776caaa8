"""Residents decide together: 四议两公开 decisions (and, as they land, proposals and meetings).

A decision's four steps are rows of `decision_steps`, never updated; the decision row caches where it
stands (`passed_steps`, `status`) and is locked (`FOR UPDATE`) while a step is recorded. The unique
(decision_id, seq) key backs the lock: two writers can never both record the decision's next step.
The timeline (`decision_events`) is append-only; a trigger refuses UPDATE and DELETE on it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
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


class DecisionStep(enum.IntEnum):
    """The four steps of 四议, in their only order."""

    party_proposal = 1  # 党组织提议
    committees = 2  # 两委商议
    party_members = 3  # 党员大会审议
    residents = 4  # 居民(代表)会议决议


STEP_LABELS = {
    DecisionStep.party_proposal: "党组织提议",
    DecisionStep.committees: "两委商议",
    DecisionStep.party_members: "党员大会审议",
    DecisionStep.residents: "居民(代表)会议决议",
}


class StepOutcome(enum.StrEnum):
    passed = "passed"  # 通过
    failed = "failed"  # 不通过: the matter stops; a revised matter is a new decision
    returned = "returned"  # 退回上一步: the previous step must be taken again


OUTCOME_LABELS = {
    StepOutcome.passed: "通过",
    StepOutcome.failed: "不通过",
    StepOutcome.returned: "退回上一步",
}


class DecisionStatus(enum.StrEnum):
    deliberating = "deliberating"  # 四议 under way
    rejected = "rejected"  # a step did not pass
    resolved = "resolved"  # 决议 passed, not yet published
    publishing = "publishing"  # 决议公开: the objection window is open (or objections wait for answers)
    effective = "effective"  # window passed, every objection answered
    result_published = "result_published"  # 实施结果公开


# What residents see: a decision becomes theirs to read once it is published.
PUBLIC_DECISION_STATUSES = (
    DecisionStatus.publishing,
    DecisionStatus.effective,
    DecisionStatus.result_published,
)


class Decision(UUIDPk, Timestamps, Base):
    """A major matter decided through 四议两公开."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_community_created", "community_id", "created_at", "id"),
        CheckConstraint("passed_steps BETWEEN 0 AND 4", name="passed_steps_range"),
        CheckConstraint("rating_count >= 0 AND rating_sum >= 0", name="ratings_not_negative"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DecisionStatus] = mapped_column(str_enum(DecisionStatus, "decision_status"))
    passed_steps: Mapped[int] = mapped_column(SmallInteger, default=0)
    steps_recorded: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # 决议公开
    published_at: Mapped[datetime | None]
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    publication_text: Mapped[str | None] = mapped_column(Text)
    publication_days: Mapped[int | None]
    publication_ends_on: Mapped[date | None]  # the last (working) day of the window, Shanghai date
    effective_at: Mapped[datetime | None]
    # 实施结果公开
    result_text: Mapped[str | None] = mapped_column(Text)
    result_published_at: Mapped[datetime | None]
    result_published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)


class DecisionStepRecord(UUIDPk, Base):
    """One meeting of one step (immutable): the body, the day, attendance against quorum, the outcome."""

    __tablename__ = "decision_steps"
    __table_args__ = (
        UniqueConstraint("decision_id", "seq"),
        CheckConstraint("step BETWEEN 1 AND 4", name="step_range"),
        CheckConstraint("attendance >= 0 AND quorum >= 1", name="attendance_quorum"),
        CheckConstraint("members IS NULL OR attendance <= members", name="attendance_le_members"),
        CheckConstraint("outcome <> 'passed' OR attendance >= quorum", name="passed_with_quorum"),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1, 2, … in the order recorded, returns and all
    step: Mapped[int] = mapped_column(SmallInteger)
    body: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date]
    members: Mapped[int | None]  # 应到
    attendance: Mapped[int]  # 实到
    quorum: Mapped[int]  # 法定人数
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    outcome: Mapped[StepOutcome] = mapped_column(str_enum(StepOutcome, "decision_step_outcome"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)


class DecisionEvent(Base):
    """One immutable entry of a decision's timeline; `public` ones are the residents' to see."""

    __tablename__ = "decision_events"
    __table_args__ = (Index("ix_decision_events_decision_seq", "decision_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Objection(UUIDPk, Base):
    """异议 filed by a resident during publication, answered by staff within N working days."""

    __tablename__ = "decision_objections"
    __table_args__ = (
        Index("ix_decision_objections_decision", "decision_id", "filed_at"),
        Index(
            "ix_decision_objections_open_due",
            "answer_due_on",
            postgresql_where=text("answered_at IS NULL"),
        ),
        CheckConstraint("(answered_at IS NULL) = (answer IS NULL)", name="answer_and_time_together"),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(default=clock.now)
    answer_due_on: Mapped[date]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)  # 1 community staff, 2 street
    escalated_at: Mapped[datetime | None]


class DecisionRating(UUIDPk, Base):
    """A resident's rating (1–5) of a published implementation result, once each."""

    __tablename__ = "decision_ratings"
    __table_args__ = (
        UniqueConstraint("decision_id", "user_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


# ---------------------------------------------------------------- proposals (群众下单)


class ProposalStatus(enum.StrEnum):
    open = "open"  # 待受理: neighbours support it, staff have not answered yet
    accepted = "accepted"  # 已列入议题: on the agenda of the next consultation meeting
    scheduled = "scheduled"  # 已排会: a topic of a planned meeting
    discussed = "discussed"  # 已议定: a meeting decided it (see `outcome`)
    merged = "merged"  # 已合并 into another proposal (`merged_into_id`)
    declined = "declined"  # 不予采纳, with a reason
    ticketed = "ticketed"  # 已转工单: a repair, not a matter for deliberation (`ticket_id`)
    withdrawn = "withdrawn"  # 已撤回 by its author


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.open: "待受理",
    ProposalStatus.accepted: "已列入议题",
    ProposalStatus.scheduled: "已排会",
    ProposalStatus.discussed: "已议定",
    ProposalStatus.merged: "已合并",
    ProposalStatus.declined: "不予采纳",
    ProposalStatus.ticketed: "已转工单",
    ProposalStatus.withdrawn: "已撤回",
}

# Neighbours may support (and withdraw a support) only while the matter is still before the community.
SUPPORTABLE_STATUSES = (ProposalStatus.open, ProposalStatus.accepted, ProposalStatus.scheduled)


class Urgency(enum.IntEnum):
    """轻重缓急: how pressing the matter is (the author's view; staff may change it on triage)."""

    normal = 1  # 一般
    urgent = 2  # 较急
    critical = 3  # 紧急


URGENCY_LABELS = {Urgency.normal: "一般", Urgency.urgent: "较急", Urgency.critical: "紧急"}


class Proposal(UUIDPk, Timestamps, Base):
    """A matter a resident puts to the community (群众下单), supported by neighbours, triaged by staff."""

    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_community_created", "community_id", "created_at", "id"),
        CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        CheckConstraint("urgency BETWEEN 1 AND 3", name="urgency_range"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"),
        CheckConstraint("(status = 'ticketed') = (ticket_id IS NOT NULL)", name="ticketed_has_ticket"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    grid_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    building_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("buildings.id"))
    urgency: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus, "proposal_status"))
    support_count: Mapped[int] = mapped_column(default=0)
    # Set once, when the supports first reach LINLI_CONSULTATION_SUPPORT_THRESHOLD (staff are told).
    flagged_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)  # the official answer (答复), public
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("proposals.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tickets.id"))
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    # After a meeting discussed it: what it decided (a TopicOutcome value), where, and the decision
    # opened when it was referred to 四议两公开.
    outcome: Mapped[str | None] = mapped_column(String(20))
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meetings.id"))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))


class ProposalSupport(Base):
    """One resident's support of a proposal: the primary key makes it one each."""

    __tablename__ = "proposal_supports"

    proposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ProposalFollow(Base):
    """A resident following a proposal (关注): told of every public answer. Supporting follows too."""

    __tablename__ = "proposal_follows"

    proposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ProposalEvent(Base):
    """One immutable entry of a proposal's timeline (append-only by trigger); staff answers are public."""

    __tablename__ = "proposal_events"
    __table_args__ = (Index("ix_proposal_events_proposal_seq", "proposal_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ProposalPhoto(UUIDPk, Base):
    """A photo of a proposal, cleaned like a ticket's (`app.core.photos`): no EXIF, with a thumbnail."""

    __tablename__ = "proposal_photos"

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
