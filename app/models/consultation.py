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
