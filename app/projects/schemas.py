"""The API contract of social organisations, project calls, applications and selection.

Money is integer fen (`*_fen`); each amount also comes as `*_yuan`, a string with two decimals, for
display. Execution and acceptance shapes are in `schemas_delivery.py`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.text import Clean, Line, Name, Short, limits
from app.models.projects import (
    ApplicationStatus,
    CallKind,
    CallStatus,
    MemberRole,
    OrganisationKind,
    OrganisationStatus,
    ReviewerKind,
)

LongText = Annotated[str, limits(0, 5000), Clean]
Said = Annotated[str, limits(1, 2000), Clean]
PersonName = Annotated[str, limits(0, 50), Clean]
Phone = Annotated[str, limits(5, 20), Clean]
# At most 100 million yuan in one amount: far above any community budget, far below BIGINT.
# Strict: "100" or 1.0 is not an amount of money; only a JSON integer is.
Fen = Annotated[int, Field(ge=0, le=10_000_000_000, strict=True)]

KIND_LABELS = {
    OrganisationKind.social_org: "社会组织",
    OrganisationKind.volunteer_team: "志愿服务队",
    OrganisationKind.hobby_group: "自乐组织",
}
STATUS_LABELS = {
    OrganisationStatus.incubating: "孵化中",
    OrganisationStatus.registered: "已登记",
    OrganisationStatus.inactive: "停止活动",
}
CALL_KIND_LABELS = {CallKind.minsheng: "民生微实事", CallKind.venture: "微公益创投"}
PHASE_LABELS = {
    "draft": "草稿",
    "upcoming": "未开始",
    "accepting": "申报中",
    "reviewing": "评审中",
    "voting": "投票中",
    "selecting": "待立项",
    "funded": "已立项",
    "cancelled": "已取消",
}
APPLICATION_LABELS = {
    ApplicationStatus.draft: "草稿",
    ApplicationStatus.submitted: "已提交",
    ApplicationStatus.eligible: "资格审查通过",
    ApplicationStatus.ineligible: "资格审查未通过",
    ApplicationStatus.funded: "已立项",
    ApplicationStatus.not_funded: "未立项",
    ApplicationStatus.withdrawn: "已撤回",
}


# ---------------------------------------------------------------- organisations


def _code(value: object) -> object:
    # People type codes with spaces and in lower case; the check itself is in the service (its own code).
    return value.replace(" ", "").upper() if isinstance(value, str) else value


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = Field(None, description="Defaults to the caller's community")
    name: Name
    kind: OrganisationKind = Field(
        description="social_org 社会组织 / volunteer_team 志愿服务队 / hobby_group 自乐组织"
    )
    status: OrganisationStatus = OrganisationStatus.incubating
    credit_code: Annotated[str, limits(1, 30), Clean] | None = Field(
        None, description="统一社会信用代码 (18 characters, GB 32100 check characters)"
    )
    description: LongText = ""
    founded_on: date | None = None
    contact_name: PersonName = ""
    contact_phone: Phone | None = None
    leader_id: uuid.UUID | None = Field(None, description="A resident of the community to lead it")

    @field_validator("credit_code", mode="before")
    @classmethod
    def _norm(cls, v: object) -> object:
        return _code(v)


class OrganisationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    status: OrganisationStatus | None = None
    credit_code: Annotated[str, limits(1, 30), Clean] | None = None
    description: LongText | None = None
    founded_on: date | None = None
    contact_name: PersonName | None = None
    contact_phone: Phone | None = None

    @field_validator("credit_code", mode="before")
    @classmethod
    def _norm(cls, v: object) -> object:
        return _code(v)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: uuid.UUID
    role: MemberRole = MemberRole.member


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_id: uuid.UUID = Field(description="The bookings service or volunteer activity")


class MemberOut(BaseModel):
    user_id: uuid.UUID
    name: str = Field(description="Masked (张**) outside the staff side")
    role: MemberRole
    joined_on: date


class ServiceRef(BaseModel):
    id: uuid.UUID
    name: str


class HoursOut(BaseModel):
    """Volunteer hours of a team in one year: the ledger's volunteer_reward minutes of its activities."""

    organisation_id: uuid.UUID
    year: int
    minutes: int
    hours: str = Field(description="minutes / 60, one decimal")
    activities: int


class OrganisationSummary(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    kind: OrganisationKind
    kind_label: str
    status: OrganisationStatus
    status_label: str
    member_count: int
    created_at: datetime


class OrganisationOut(OrganisationSummary):
    credit_code: str | None
    description: str
    founded_on: date | None
    contact_name: str
    contact_phone: str | None = Field(description="Staff only; never on the public profile")
    leader: MemberOut | None
    members: list[MemberOut]
    services: list[ServiceRef]
    volunteer_year: int
    volunteer_minutes: int = Field(description="This year's volunteer minutes (ledger)")
    volunteer_hours: str
    projects: list[ServiceRef] = Field(description="Funded projects it runs")


# ---------------------------------------------------------------- calls


class CriterionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    weight: int = Field(ge=1, le=100, description="Percent; a call's weights sum to 100")
    max_score: int = Field(10, ge=1, le=100)


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = None
    kind: CallKind
    title: Line
    description: LongText = ""
    budget_cap_fen: int = Field(gt=0, le=10_000_000_000, strict=True, description="预算上限, integer fen")
    categories: list[Short] = Field(min_length=1, max_length=20)
    criteria: list[CriterionIn] = Field(min_length=1, max_length=12)
    open_to_residents: bool = True
    open_to_organisations: bool = True
    registered_only: bool = Field(False, description="Organisations must be 已登记")
    opens_at: datetime
    closes_at: datetime = Field(description="申报截止: drafts are editable until then")
    review_ends_on: date | None = None
    voting_opens_at: datetime | None = None
    voting_closes_at: datetime | None = None
    votes_per_resident: int | None = Field(None, ge=1, le=20, description="Picks per ballot; none: no vote")
    vote_weight: int = Field(0, ge=0, le=100, description="Percent of the ranking score from votes")
    pass_score: int = Field(60, ge=0, le=100, description="验收合格线")
    draft: bool = Field(False, description="Keep it unpublished")


class CriterionOut(BaseModel):
    id: uuid.UUID
    seq: int
    name: str
    weight: int
    max_score: int


class CallOut(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    kind: CallKind
    kind_label: str
    title: str
    description: str
    status: CallStatus
    phase: str
    phase_label: str
    budget_cap_fen: int
    budget_cap_yuan: str
    funded_fen: int
    funded_yuan: str
    categories: list[str]
    criteria: list[CriterionOut]
    open_to_residents: bool
    open_to_organisations: bool
    registered_only: bool
    opens_at: datetime
    closes_at: datetime
    review_ends_on: date | None
    voting_opens_at: datetime | None
    voting_closes_at: datetime | None
    votes_per_resident: int | None
    vote_weight: int
    pass_score: int
    applications: int = Field(description="Submitted applications")
    my_votes: list[uuid.UUID] | None = Field(None, description="The caller's picks, once voted")
    decision_id: uuid.UUID | None
    funded_at: datetime | None
    created_at: datetime


# ---------------------------------------------------------------- applications


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: Name
    quantity: int = Field(ge=1, le=1_000_000)
    unit: Annotated[str, limits(0, 20), Clean] = ""
    unit_price_fen: Fen


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Line
    due_on: date | None = None


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation_id: uuid.UUID | None = Field(None, description="Apply for an organisation you lead")
    title: Line
    category: Short
    summary: LongText = ""
    plan: LongText = ""
    beneficiaries: LongText = ""
    beneficiaries_count: int = Field(0, ge=0, le=1_000_000)
    budget_lines: list[LineIn] = Field(default_factory=list, max_length=50)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=30)


class ApplicationPatch(BaseModel):
    """Replace any part of a draft (lists are replaced whole)."""

    model_config = ConfigDict(extra="forbid")
    title: Line | None = None
    category: Short | None = None
    summary: LongText | None = None
    plan: LongText | None = None
    beneficiaries: LongText | None = None
    beneficiaries_count: int | None = Field(None, ge=0, le=1_000_000)
    budget_lines: list[LineIn] | None = Field(None, max_length=50)
    milestones: list[MilestoneIn] | None = Field(None, max_length=30)


class LineOut(BaseModel):
    id: uuid.UUID
    seq: int
    item: str
    quantity: int
    unit: str
    unit_price_fen: int
    amount_fen: int
    amount_yuan: str
    approved_extra_fen: int
    spent_fen: int
    spent_yuan: str
    remaining_fen: int


class MilestoneOut(BaseModel):
    id: uuid.UUID
    seq: int
    title: str
    due_on: date | None
    done: bool
    done_at: datetime | None


class OrganisationRef(BaseModel):
    id: uuid.UUID
    name: str
    kind: OrganisationKind


class ApplicationOut(BaseModel):
    id: uuid.UUID
    call_id: uuid.UUID
    community_id: uuid.UUID
    applicant_name: str = Field(description="Masked outside the staff side and the applicant")
    mine: bool
    organisation: OrganisationRef | None
    status: ApplicationStatus
    status_label: str
    editable: bool
    title: str
    category: str
    summary: str
    plan: str
    beneficiaries: str
    beneficiaries_count: int
    requested_fen: int
    requested_yuan: str
    budget_lines: list[LineOut]
    milestones: list[MilestoneOut]
    submitted_at: datetime | None
    eligibility_reasons: list[str] | None = Field(None, description="Staff and the applicant")
    score: str | None = Field(None, description="Ranking score 0–100, two decimals, once funded")
    review_score: str | None = Field(None, description="Mean weighted review score (staff)")
    votes: int | None
    rank: int | None
    funded_fen: int | None
    funding_note: str | None
    project_id: uuid.UUID | None
    created_at: datetime


# ---------------------------------------------------------------- selection


class EligibilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    eligible: bool
    reasons: list[Line] = Field(default_factory=list, max_length=20, description="Required when ineligible")


class ReviewerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: uuid.UUID
    kind: ReviewerKind = ReviewerKind.staff


class ReviewerOut(BaseModel):
    id: uuid.UUID
    call_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    kind: ReviewerKind
    reviews: int
    conflicts: int


class ConflictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Said


class ConflictOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    reviewer_id: uuid.UUID
    reason: str
    declared_at: datetime


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: dict[uuid.UUID, int] = Field(description="criterion id → score from 0 to its max_score")
    comment: LongText = ""
    no_conflict: bool = Field(description="I declare no conflict of interest with this application")


class ReviewOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    reviewer_id: uuid.UUID
    scores: dict[uuid.UUID, int]
    score: str = Field(description="Weighted score 0–100, two decimals")
    comment: str
    created_at: datetime


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    application_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)


class BallotOut(BaseModel):
    call_id: uuid.UUID
    application_ids: list[uuid.UUID]
    cast_at: datetime


class FundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision_id: uuid.UUID | None = Field(None, description="The 四议两公开 decision that approved the list")


class RankedOut(BaseModel):
    application_id: uuid.UUID
    title: str
    rank: int
    review_score: str
    votes: int
    score: str
    requested_fen: int
    requested_yuan: str
    funded: bool
    note: str
    project_id: uuid.UUID | None


class FundingOut(BaseModel):
    call_id: uuid.UUID
    budget_cap_fen: int
    funded_fen: int
    funded_yuan: str
    left_fen: int
    decision_id: uuid.UUID | None
    ranking: list[RankedOut]
