"""Surveys (问卷调查): questions, responses online and on paper, and the "has answered" record.

Anonymous means anonymous. For every survey, who has answered lives in `survey_participations`
(user, hashed household key), and what was answered in `survey_responses` + `survey_answers`. For an
anonymous survey a response row carries no respondent, no entering person and no time (CHECK
`anonymous_has_no_person`), and a participation carries no time or channel: no column in either table
refers to a row or a value of the other, so nothing (no id, no timestamp, no shared key) joins them.
One per resident is `UNIQUE (survey_id, user_id)` on participations; one per household is
`UNIQUE (survey_id, household_key)` (NULL for per-resident surveys).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class SurveyStatus(enum.StrEnum):
    draft = "draft"  # 草稿: questions may change
    published = "published"  # 进行中: questions frozen, residents answer
    closed = "closed"  # 已结束: no more answers; results may be published
    archived = "archived"  # 已归档: kept, out of residents' lists


class SurveyUnit(enum.StrEnum):
    resident = "resident"  # 一人一份
    household = "household"  # 一户一份 (building + unit + room)


class QuestionKind(enum.StrEnum):
    single = "single"  # 单选
    multiple = "multiple"  # 多选 (min/max picks)
    short_text = "short_text"  # 填空
    long_text = "long_text"  # 意见建议
    scale = "scale"  # 打分 1–5 or 0–10
    number = "number"  # 数字
    ranking = "ranking"  # 排序


class SurveyChannel(enum.StrEnum):
    online = "online"  # 线上 (the resident in the mini-program)
    paper = "paper"  # 纸质问卷, entered by staff or 调查队
    phone = "phone"  # 电话
    door = "door"  # 入户 / 扫楼


class Survey(UUIDPk, Timestamps, Base):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(
            "audience_min_age IS NULL OR audience_min_age BETWEEN 1 AND 120", name="min_age_range"
        ),
        CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="published_has_time"),
        CheckConstraint("status IN ('draft', 'published') OR closed_at IS NOT NULL", name="closed_has_time"),
        CheckConstraint(
            "results_published_at IS NULL OR status IN ('closed', 'archived')", name="results_after_close"
        ),
        Index("ix_surveys_community_created", "community_id", "created_at", "id"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SurveyStatus] = mapped_column(
        str_enum(SurveyStatus, "survey_status"), default=SurveyStatus.draft
    )
    anonymous: Mapped[bool] = mapped_column(default=False)
    one_per: Mapped[SurveyUnit] = mapped_column(
        str_enum(SurveyUnit, "survey_unit"), default=SurveyUnit.resident
    )
    # Audience: the community, narrowed to residents living in these grids or buildings (either), at least
    # this old by a staff-verified birth date, holding this role. Empty lists mean the whole community.
    audience_grid_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid()), default=list)
    audience_building_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid()), default=list)
    audience_min_age: Mapped[int | None] = mapped_column(SmallInteger)
    audience_role: Mapped[str | None] = mapped_column(String(30))
    closes_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    results_published_at: Mapped[datetime | None]
    # 提醒: the Shanghai day of the last reminder (at most one a day).
    last_reminded_on: Mapped[date | None]


class SurveyQuestion(UUIDPk, Base):
    __tablename__ = "survey_questions"
    __table_args__ = (
        UniqueConstraint("survey_id", "key"),
        UniqueConstraint("survey_id", "position"),
        CheckConstraint("min_choices IS NULL OR min_choices >= 0", name="min_choices_not_negative"),
        CheckConstraint(
            "max_choices IS NULL OR min_choices IS NULL OR max_choices >= min_choices", name="choices_order"
        ),
        CheckConstraint("kind <> 'scale' OR (scale_min, scale_max) IN ((1, 5), (0, 10))", name="scale_range"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    key: Mapped[str] = mapped_column(String(30))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "survey_question_kind"))
    title: Mapped[str] = mapped_column(String(300))
    help: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    # [{"key": "a", "label": "…"}] for single, multiple and ranking.
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    min_choices: Mapped[int | None] = mapped_column(SmallInteger)
    max_choices: Mapped[int | None] = mapped_column(SmallInteger)
    scale_min: Mapped[int | None] = mapped_column(SmallInteger)
    scale_max: Mapped[int | None] = mapped_column(SmallInteger)
    number_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    number_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # Condition: shown only when the earlier choice question `show_if_key` was answered with any of these.
    show_if_key: Mapped[str | None] = mapped_column(String(30))
    show_if_any_of: Mapped[list[str] | None] = mapped_column(ARRAY(String(30)))


class SurveyParticipation(UUIDPk, Base):
    """Who has answered (for one-per-person, reminders and coverage of named surveys); never what."""

    __tablename__ = "survey_participations"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id"),
        UniqueConstraint("survey_id", "household_key"),
        CheckConstraint(
            "NOT anonymous OR (answered_at IS NULL AND channel IS NULL AND entered_by IS NULL)",
            name="anonymous_has_no_trace",
        ),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # sha256 of survey id + building + unit + room (per-household surveys only): equal households collide,
    # and the building cannot be read back from it.
    household_key: Mapped[str | None] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Named surveys only: when, how and by whom (for anonymous ones the audit log says who entered it).
    answered_at: Mapped[datetime | None]
    channel: Mapped[SurveyChannel | None] = mapped_column(str_enum(SurveyChannel, "survey_channel"))
    entered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class SurveyResponse(UUIDPk, Base):
    """One filled-in questionnaire. Anonymous: no respondent, no entering person, no time."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint(
            "NOT anonymous OR (respondent_id IS NULL AND entered_by IS NULL AND submitted_at IS NULL)",
            name="anonymous_has_no_person",
        ),
        CheckConstraint(
            "anonymous OR (respondent_id IS NOT NULL AND submitted_at IS NOT NULL)", name="named_has_person"
        ),
        Index("ix_survey_responses_survey_building", "survey_id", "building_id"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    anonymous: Mapped[bool] = mapped_column(default=False)
    respondent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    entered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    channel: Mapped[SurveyChannel] = mapped_column(str_enum(SurveyChannel, "survey_channel"))
    # Where the respondent lived when answering (for the breakdown by grid and building).
    grid_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    building_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("buildings.id"))


class SurveyAnswer(UUIDPk, Base):
    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        CheckConstraint("num_nonnulls(choices, number, body) = 1", name="one_value"),
        Index("ix_survey_answers_question", "question_id"),
    )

    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    # Option keys: the one chosen, those chosen, or the ranking in order.
    choices: Mapped[list[str] | None] = mapped_column(ARRAY(String(30)))
    number: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    body: Mapped[str | None] = mapped_column(Text)
