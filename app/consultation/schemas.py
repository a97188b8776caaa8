"""The API contract of 四议两公开 decisions (proposals and meetings have their own schema modules)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import Clean, limits
from app.models.consultation import DecisionStatus, DecisionStep, StepOutcome

Title = Annotated[str, limits(1, 200), Clean]
BodyName = Annotated[str, limits(1, 100), Clean]
LongText = Annotated[str, limits(0, 5000), Clean]
Said = Annotated[str, limits(1, 2000), Clean]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = Field(None, description="Defaults to the caller's community")
    title: Title
    content: LongText = ""


class StepIn(BaseModel):
    """One step's meeting: 1 党组织提议, 2 两委商议, 3 党员大会审议, 4 居民(代表)会议决议."""

    model_config = ConfigDict(extra="forbid")
    step: DecisionStep
    body: BodyName = Field(description="The body that met, e.g. 社区党委, 两委联席会议")
    held_on: date
    members: int | None = Field(None, ge=1, le=100_000, description="应到人数")
    attendance: int = Field(ge=0, le=100_000, description="实到人数")
    quorum: int = Field(ge=1, le=100_000, description="法定人数")
    votes_for: int | None = Field(None, ge=0, le=100_000)
    votes_against: int | None = Field(None, ge=0, le=100_000)
    votes_abstain: int | None = Field(None, ge=0, le=100_000)
    outcome: StepOutcome = Field(description="passed 通过 / failed 不通过 / returned 退回上一步")
    note: LongText = ""


class StepOut(BaseModel):
    seq: int
    step: DecisionStep
    step_label: str
    body: str
    held_on: date
    members: int | None
    attendance: int
    quorum: int
    quorum_met: bool
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    outcome: StepOutcome
    outcome_label: str
    note: str
    recorded_at: datetime


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: LongText = Field("", description="What is made public (defaults to the decision's content)")
    days: int | None = Field(
        None,
        ge=1,
        le=90,
        description="Working days of publication; at least LINLI_CONSULTATION_PUBLICATION_DAYS",
    )


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Said


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: Said


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, limits(1, 5000), Clean]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5)
    comment: Annotated[str, limits(0, 500), Clean] = ""


class ObjectionOut(BaseModel):
    id: uuid.UUID
    decision_id: uuid.UUID
    body: str
    mine: bool
    objector_name: str | None = Field(None, description="Staff only")
    filed_at: datetime
    answer_due_on: date
    overdue: bool
    escalated: bool
    answer: str | None
    answered_at: datetime | None


class EventOut(BaseModel):
    seq: int
    kind: str
    body: str
    public: bool
    actor_name: str | None
    created_at: datetime


class DecisionOut(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    title: str
    content: str
    status: DecisionStatus
    passed_steps: int = Field(description="How many of the four steps have passed")
    next_step: DecisionStep | None
    next_step_label: str | None
    steps: list[StepOut]
    published_at: datetime | None
    publication_text: str | None
    publication_days: int | None
    publication_ends_on: date | None = Field(description="The last working day of the objection window")
    in_publication: bool
    objections_total: int
    objections_open: int
    objections: list[ObjectionOut] = Field(description="Staff: all; a resident: their own")
    effective_at: datetime | None
    result_text: str | None
    result_published_at: datetime | None
    rating_count: int
    rating_mean: float | None
    my_rating: int | None = None
    timeline: list[EventOut]
    created_at: datetime
    updated_at: datetime


class DecisionSummary(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    title: str
    status: DecisionStatus
    passed_steps: int
    publication_ends_on: date | None
    objections_open: int
    rating_mean: float | None
    created_at: datetime
