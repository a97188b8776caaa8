"""Funded community projects: execution (milestones, progress, photos, spending), acceptance (管理考核),
public feedback (questions, followers).

A project is a funded application (`project_applications`); its budget lines and milestones stay
there. Spending locks the budget line (`FOR UPDATE`) and moves `spent_fen`; the line's CHECK
(`spent_fen <= amount_fen + approved_extra_fen`) is the database's copy of "never overspent".
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
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class ProjectStatus(enum.StrEnum):
    executing = "executing"  # 实施中
    accepted = "accepted"  # 已验收 (at or above the bar)
    rectifying = "rectifying"  # 整改中 (acceptance under the bar opened rectification items)


class Grade(enum.StrEnum):
    excellent = "excellent"  # 优秀
    good = "good"  # 良好
    passed = "passed"  # 合格
    failed = "failed"  # 不合格


class Project(UUIDPk, Timestamps, Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("application_id"),
        Index("ix_projects_community_created", "community_id", "created_at", "id"),
        CheckConstraint("budget_fen > 0", name="budget_positive"),
        CheckConstraint("spent_fen >= 0", name="spent_not_negative"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_applications.id"))
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_calls.id"), index=True)
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))  # the applicant
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus, "project_status"))
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade, "project_grade"))
    # Participants counted from the linked bookings services and activities (refreshed by staff reads).
    participants: Mapped[int] = mapped_column(default=0)
    participants_counted_at: Mapped[datetime | None]


class LinkKind(enum.StrEnum):
    service = "service"  # a bookings service the project runs
    activity = "activity"  # a volunteer activity the project runs


class ProjectLink(Base):
    __tablename__ = "project_links"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[LinkKind] = mapped_column(str_enum(LinkKind, "project_link_kind"), primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(default=clock.now)


class ChangeStatus(enum.StrEnum):
    requested = "requested"
    approved = "approved"
    rejected = "rejected"


class BudgetChange(UUIDPk, Base):
    """预算调整: more money for one line, within the project's budget, once staff approve it."""

    __tablename__ = "project_budget_changes"
    __table_args__ = (CheckConstraint("extra_fen > 0", name="extra_positive"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_budget_lines.id"))
    extra_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ChangeStatus] = mapped_column(str_enum(ChangeStatus, "project_change_status"))
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=clock.now)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]


class Spending(UUIDPk, Base):
    """One expense (支出) against a budget line; immutable (a mistake is a negative-free correction)."""

    __tablename__ = "project_spendings"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_project_spendings_project", "project_id", "spent_on"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_budget_lines.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    spent_on: Mapped[date]
    payee: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)


class ProgressUpdate(UUIDPk, Base):
    """进展: a note on the project, optionally completing a milestone; photos hang on it."""

    __tablename__ = "project_updates"
    __table_args__ = (Index("ix_project_updates_project", "project_id", "created_at"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    milestone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("project_milestones.id"))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class ProjectPhoto(UUIDPk, Base):
    __tablename__ = "project_photos"
    __table_args__ = (Index("ix_project_photos_project", "project_id", "created_at"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    update_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("project_updates.id"))
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(300))
    thumb_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Acceptance(UUIDPk, Base):
    """验收 (管理考核): indicators target vs actual, reviewer score, resident satisfaction, the grade."""

    __tablename__ = "project_acceptances"
    __table_args__ = (
        UniqueConstraint("project_id"),
        CheckConstraint("reviewer_score BETWEEN 0 AND 100", name="reviewer_score_range"),
        CheckConstraint("satisfaction BETWEEN 0 AND 100", name="satisfaction_range"),
        CheckConstraint("total_centi BETWEEN 0 AND 10000", name="total_range"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    indicator_centi: Mapped[int]  # achievement of the indicators, hundredths (0–10000)
    reviewer_score: Mapped[int] = mapped_column(SmallInteger)
    satisfaction: Mapped[int] = mapped_column(SmallInteger)
    survey_id: Mapped[uuid.UUID | None]
    total_centi: Mapped[int]
    grade: Mapped[Grade] = mapped_column(str_enum(Grade, "project_grade"))
    pass_score: Mapped[int] = mapped_column(SmallInteger)
    summary: Mapped[str] = mapped_column(Text, default="")
    rectification_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    accepted_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=clock.now)


class Question(UUIDPk, Base):
    """A resident's question on a project's public page, and the staff answer (公开反馈)."""

    __tablename__ = "project_questions"
    __table_args__ = (
        Index("ix_project_questions_project", "project_id", "asked_at"),
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answer_and_time_together"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    asker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=clock.now)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]


class Follow(Base):
    __tablename__ = "project_follows"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    followed_at: Mapped[datetime] = mapped_column(default=clock.now)
