"""The shared rectification item (整改): a fix that follows a low review score, a project's acceptance, a
decision or a survey; owned by a person or a named unit, due on China's working calendar.

`rectification_items` is written only through `app.rectifications.service` (`open_item`, `add_note`,
`close`); its progress notes (`rectification_notes`) are append-only rows.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class RectificationSource(enum.StrEnum):
    review_round = "review_round"  # 居民评议团: an item scored under the threshold
    project = "project"  # 民生微实事 / 公益创投 acceptance
    decision = "decision"  # 四议两公开
    survey = "survey"  # 问卷调查


class RectificationStatus(enum.StrEnum):
    open = "open"  # 整改中
    closed = "closed"  # 已整改


class RectificationItem(UUIDPk, Timestamps, Base):
    __tablename__ = "rectification_items"
    __table_args__ = (
        CheckConstraint("deadline_workdays BETWEEN 1 AND 250", name="deadline_workdays_range"),
        CheckConstraint("deadline_on >= opened_on", name="deadline_after_opening"),
        CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL)",
            name="closed_has_closer",
        ),
        CheckConstraint("owner_user_id IS NOT NULL OR owner_name IS NOT NULL", name="has_owner"),
        Index("ix_rectification_items_source", "source_kind", "source_id"),
        Index("ix_rectification_items_community_opened", "community_id", "opened_at", "id"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    source_kind: Mapped[RectificationSource] = mapped_column(
        str_enum(RectificationSource, "rectification_source")
    )
    # The record that opened it (a review round, a project, …): not a foreign key, the sources are many.
    source_id: Mapped[uuid.UUID]
    # Whether residents and panel members may read it: false until its source is published.
    public: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The owner (整改责任人): a user, or a named unit/person without an account (物业公司, 城管 …).
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[RectificationStatus] = mapped_column(
        str_enum(RectificationStatus, "rectification_status"), default=RectificationStatus.open
    )
    opened_at: Mapped[datetime] = mapped_column(default=clock.now)
    opened_on: Mapped[date]
    deadline_workdays: Mapped[int] = mapped_column(SmallInteger)
    deadline_on: Mapped[date]
    opened_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closing_note: Mapped[str | None] = mapped_column(Text)


class RectificationNote(UUIDPk, Base):
    """A progress note (整改进展) on an item: who, when, what; never edited."""

    __tablename__ = "rectification_notes"
    __table_args__ = (Index("ix_rectification_notes_item_at", "item_id", "created_at"),)

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rectification_items.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
