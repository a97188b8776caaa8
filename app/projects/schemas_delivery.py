"""The API contract of funded projects: the public page, execution, acceptance, questions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import Clean, Line, limits
from app.models.project_delivery import ChangeStatus, Grade, LinkKind, ProjectStatus
from app.projects.schemas import LineOut, LongText, MilestoneOut, OrganisationRef, Said

PROJECT_LABELS = {
    ProjectStatus.executing: "实施中",
    ProjectStatus.accepted: "已验收",
    ProjectStatus.rectifying: "整改中",
}
GRADE_LABELS = {Grade.excellent: "优秀", Grade.good: "良好", Grade.passed: "合格", Grade.failed: "不合格"}


class SpendingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: uuid.UUID
    amount_fen: Annotated[int, Field(gt=0, le=10_000_000_000, strict=True)]
    spent_on: date
    payee: Annotated[str, limits(0, 100), Clean] = ""
    note: LongText = ""


class SpendingOut(BaseModel):
    id: uuid.UUID
    line_id: uuid.UUID
    item: str
    amount_fen: int
    amount_yuan: str
    spent_on: date
    payee: str
    note: str
    recorded_at: datetime


class BudgetChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: uuid.UUID
    extra_fen: Annotated[int, Field(gt=0, le=10_000_000_000, strict=True)]
    reason: Said


class BudgetChangeOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    line_id: uuid.UUID
    extra_fen: int
    extra_yuan: str
    reason: str
    status: ChangeStatus
    requested_at: datetime
    decided_at: datetime | None


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Said
    milestone_id: uuid.UUID | None = None
    milestone_done: bool = Field(False, description="Mark the milestone done with this update")


class UpdateOut(BaseModel):
    id: uuid.UUID
    body: str
    milestone_id: uuid.UUID | None
    author_name: str
    created_at: datetime
    photo_ids: list[uuid.UUID]


class PhotoOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    update_id: uuid.UUID | None
    content_type: str
    width: int
    height: int
    url: str
    thumb_url: str
    created_at: datetime


class ProjectLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: LinkKind = Field(description="service: a bookings service; activity: a volunteer activity")
    target_id: uuid.UUID


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Said


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: Said


class QuestionOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    body: str
    asker_name: str = Field(description="Masked (张**) but to staff and the asker")
    mine: bool
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line
    unit: Annotated[str, limits(0, 20), Clean] = ""
    target: int = Field(gt=0, le=1_000_000_000)
    actual: int = Field(ge=0, le=1_000_000_000)


class RectificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Line
    detail: LongText = ""
    owner_user_id: uuid.UUID | None = None
    owner_name: Annotated[str, limits(0, 50), Clean] | None = None
    deadline_workdays: int | None = Field(None, ge=1, le=250)


class AcceptanceIn(BaseModel):
    """验收: indicators, the reviewers' score, and residents' satisfaction (a figure, or a survey)."""

    model_config = ConfigDict(extra="forbid")
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=30)
    reviewer_score: int = Field(ge=0, le=100, description="The acceptance reviewers' score, 0–100")
    satisfaction: int | None = Field(None, ge=0, le=100, description="Percent of residents satisfied")
    survey_id: uuid.UUID | None = Field(None, description="Take satisfaction from this survey instead")
    summary: LongText = ""
    rectifications: list[RectificationIn] = Field(
        default_factory=list, max_length=20, description="Opened when the project is under the bar"
    )


class IndicatorOut(BaseModel):
    name: str
    unit: str
    target: int
    actual: int
    achieved: str = Field(description="min(actual / target, 1) as a percent, two decimals")


class AcceptanceOut(BaseModel):
    project_id: uuid.UUID
    indicators: list[IndicatorOut]
    indicator_score: str
    reviewer_score: int
    satisfaction: int
    survey_id: uuid.UUID | None
    total: str = Field(description="Acceptance score 0–100, two decimals")
    pass_score: int
    grade: Grade
    grade_label: str
    passed: bool
    summary: str
    rectification_ids: list[uuid.UUID]
    published_at: datetime


class ProjectSummary(BaseModel):
    id: uuid.UUID
    call_id: uuid.UUID
    community_id: uuid.UUID
    title: str
    status: ProjectStatus
    status_label: str
    organisation: OrganisationRef | None
    percent_done: int
    budget_fen: int
    budget_yuan: str
    spent_fen: int
    spent_yuan: str
    grade: Grade | None
    grade_label: str | None
    created_at: datetime


class ProjectOut(ProjectSummary):
    """The public page (公开反馈) of a funded project; staff see the same page."""

    call_title: str
    call_kind_label: str
    summary: str
    beneficiaries: str
    spent_percent: int
    milestones: list[MilestoneOut]
    budget_lines: list[LineOut]
    spending: list[SpendingOut] = Field(description="The most recent 50 expenses (a public ledger)")
    budget_changes: list[BudgetChangeOut]
    updates: list[UpdateOut]
    photos: list[PhotoOut]
    participants: int
    acceptance: AcceptanceOut | None
    questions: list[QuestionOut]
    followers: int
    following: bool
    mine: bool = Field(
        description="The caller runs this project (its applicant or the organisation's leader)"
    )
    decision_id: uuid.UUID | None
