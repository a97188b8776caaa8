"""In/out shapes of the review panel (居民评议团)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import Line, Name, Short, Text
from app.models.rectifications import RectificationStatus
from app.models.review import ItemKind, RoundStatus

ROUND_LABELS = {RoundStatus.draft: "筹备中", RoundStatus.open: "评议中", RoundStatus.closed: "已公布"}
KIND_LABELS = {
    ItemKind.service: "服务项目",
    ItemKind.department: "部门单位",
    ItemKind.project: "项目",
    ItemKind.community_work: "社区工作",
}


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = None
    user_id: uuid.UUID
    term_start: date
    term_end: date


class MemberOut(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    term_start: date
    term_end: date
    active: bool


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Line
    kind: ItemKind
    subject: Line | None = Field(None, description="Stable name across rounds (default: the title)")
    owner_user_id: uuid.UUID | None = None
    owner_name: Name | None = None
    criteria: list[Name] = Field(min_length=1, max_length=20)


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = None
    title: Line
    period: Short | None = Field(None, description="e.g. 2026年下半年")
    items: list[ItemIn] = Field(min_length=1, max_length=50)


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    criterion_id: uuid.UUID
    score: int = Field(ge=1, le=5)
    comment: Text = Field("", max_length=1000)


class ScoresIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: list[ScoreIn] = Field(min_length=1, max_length=500)


class SelfAssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: uuid.UUID
    scores: list[ScoreIn] = Field(min_length=1, max_length=20)


class CriterionOut(BaseModel):
    id: uuid.UUID
    name: str
    my_score: int | None = None
    my_comment: str | None = None
    mean: float | None = Field(None, description="Members' mean, once published (staff: any time)")
    self_score: int | None = Field(None, description="The owner's own score, once published")


class RectificationBrief(BaseModel):
    id: uuid.UUID
    status: RectificationStatus
    deadline_on: date
    overdue: bool


class PreviousScore(BaseModel):
    round_id: uuid.UUID
    round_title: str
    mean: float | None
    rectification: RectificationBrief | None = None


class ItemResult(BaseModel):
    count: int = Field(description="Member scores counted (members × criteria)")
    mean: float | None
    stddev: float | None = Field(description="Spread: population standard deviation of the scores")
    minimum: int | None
    maximum: int | None
    self_mean: float | None
    gap: float | None = Field(description="self_mean − mean: how much higher the owner rates itself")
    below_threshold: bool
    rectification: RectificationBrief | None = None
    comments: list[str] = Field(default_factory=list, description="Members' comments, unnamed")


class ItemOut(BaseModel):
    id: uuid.UUID
    position: int
    kind: ItemKind
    kind_label: str
    title: str
    subject: str
    owner_name: str
    mine: bool = Field(description="The caller owns this item (may self-assess)")
    criteria: list[CriterionOut]
    scored_by: int | None = Field(None, description="Staff: members who scored so far")
    result: ItemResult | None = None
    previous: PreviousScore | None = None


class RoundSummary(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    title: str
    period: str
    status: RoundStatus
    status_label: str
    created_at: datetime
    closed_at: datetime | None


class RoundOut(RoundSummary):
    threshold: float | None
    previous_round_id: uuid.UUID | None
    opened_at: datetime | None
    member: bool = Field(description="The caller may score (a panel member in their term)")
    items: list[ItemOut]
