"""The residents' review panel (居民评议团): members with a term, review rounds (每半年) with items and
criteria, members' scores, owners' self-assessments, and each item's result once the round closes.

A score is unique per (criterion, member) and may be changed until the round closes; closing locks the
round row (scoring holds it FOR SHARE), so no score lands after the results are computed. Results are
written on the item at close and never change afterwards.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class RoundStatus(enum.StrEnum):
    draft = "draft"  # 筹备: items and criteria may change
    open = "open"  # 评议中: members score, owners self-assess
    closed = "closed"  # 已公布: results computed and published


class ItemKind(enum.StrEnum):
    service = "service"  # 服务项目
    department = "department"  # 部门/单位
    project = "project"  # 项目
    community_work = "community_work"  # 社区工作 as a whole


class PanelMember(UUIDPk, Base):
    __tablename__ = "review_panel_members"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id", "term_start"),
        CheckConstraint("term_end >= term_start", name="term_order"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    term_start: Mapped[date]
    term_end: Mapped[date]
    appointed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    appointed_at: Mapped[datetime] = mapped_column(default=clock.now)


class ReviewRound(UUIDPk, Timestamps, Base):
    __tablename__ = "review_rounds"
    __table_args__ = (
        CheckConstraint(
            "status <> 'closed' OR (closed_at IS NOT NULL AND threshold IS NOT NULL)",
            name="closed_has_result",
        ),
        Index("ix_review_rounds_community_created", "community_id", "created_at", "id"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus, "review_round_status"), default=RoundStatus.draft
    )
    # The community's last closed round when this one was created: its items' scores show beside ours.
    previous_round_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("review_rounds.id"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # LINLI_REVIEW_THRESHOLD as it stood at close (a later change does not rewrite history).
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))


class ReviewItem(UUIDPk, Base):
    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        CheckConstraint("owner_user_id IS NOT NULL OR owner_name IS NOT NULL", name="has_owner"),
        CheckConstraint("result_mean IS NULL OR result_mean BETWEEN 1 AND 5", name="mean_range"),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, "review_item_kind"))
    title: Mapped[str] = mapped_column(String(200))
    # What the item is about across rounds ("便民理发", "物业公司"): how the next round finds its previous score.
    subject: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    owner_name: Mapped[str | None] = mapped_column(String(100))
    # Written at close.
    result_count: Mapped[int | None]
    result_mean: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    result_stddev: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    result_min: Mapped[int | None] = mapped_column(SmallInteger)
    result_max: Mapped[int | None] = mapped_column(SmallInteger)
    self_mean: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    rectification_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rectification_items.id"))


class ReviewCriterion(UUIDPk, Base):
    __tablename__ = "review_criteria"
    __table_args__ = (UniqueConstraint("item_id", "position"),)

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(100))


class ReviewScore(UUIDPk, Base):
    """A panel member's score (1–5) of one criterion, with a comment; changeable until the round closes."""

    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("criterion_id", "member_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_criteria.id", ondelete="CASCADE"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_at: Mapped[datetime] = mapped_column(default=clock.now)


class SelfAssessment(UUIDPk, Base):
    """The item owner's own score of a criterion (自评), entered by the owner or by staff."""

    __tablename__ = "review_self_assessments"
    __table_args__ = (
        UniqueConstraint("criterion_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    criterion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_criteria.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=clock.now)
