"""The API contract of service items, applications, stats and office hours."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.text import Clean, limits
from app.models.service_items import (
    Channel,
    Consent,
    Handover,
    ItemCategory,
    OfficeTopic,
    QueueStatus,
    Rating,
    Recurrence,
    RequestStatus,
)

Name = Annotated[str, limits(1, 100), Clean]
ShortName = Annotated[str, limits(1, 50), Clean]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")]
LongText = Annotated[str, limits(0, 5000), Clean]
Reason = Annotated[str, limits(1, 1000), Clean]
Short = Annotated[str, limits(0, 50), Clean]
Medium = Annotated[str, limits(0, 200), Clean]


# ---------------------------------------------------------------- catalogue


class MaterialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    form: Literal["original", "copy"] = Field("original", description="原件 or 复印件")
    count: int = Field(1, ge=1, le=20)
    required: bool = True


class MaterialOut(MaterialIn):
    id: str = Field(description="Stable within a version: m1, m2 …")


class ItemRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    category: ItemCategory
    department_id: uuid.UUID = Field(description="The handling department (org unit of kind department)")
    conditions: LongText = ""
    materials: list[MaterialIn] = Field(default_factory=list, max_length=40)
    time_limit_days: int = Field(ge=0, le=365, description="Time limit in working days (0: on the spot)")
    fee_fen: int = Field(0, ge=0, le=100_000_000)
    channels: list[Channel] = Field(min_length=1, max_length=3)
    legal_basis: LongText = ""


class ItemIn(ItemRules):
    community_id: uuid.UUID | None = Field(None, description="Defaults to the caller's community")
    code: Code


class ItemPatch(BaseModel):
    """Any change to the rules writes a new version; applications in flight keep theirs."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    category: ItemCategory | None = None
    department_id: uuid.UUID | None = None
    conditions: LongText | None = None
    materials: list[MaterialIn] | None = Field(None, max_length=40)
    time_limit_days: int | None = Field(None, ge=0, le=365)
    fee_fen: int | None = Field(None, ge=0, le=100_000_000)
    channels: list[Channel] | None = Field(None, min_length=1, max_length=3)
    legal_basis: LongText | None = None
    active: bool | None = None


class ItemOut(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    code: str
    version: int
    version_id: uuid.UUID
    active: bool
    name: str
    category: ItemCategory
    category_label: str
    department_id: uuid.UUID
    department_name: str
    conditions: str
    materials: list[MaterialOut]
    time_limit_days: int
    fee_fen: int
    channels: list[Channel]
    legal_basis: str
    updated_at: datetime


class ImportOut(BaseModel):
    created: int
    updated: int
    unchanged: int


# ---------------------------------------------------------------- applications


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: uuid.UUID
    on_behalf_of: uuid.UUID | None = Field(
        None, description="代办员 or staff: the resident the application is for"
    )
    materials: list[str] = Field(default_factory=list, max_length=40, description="Material ids received")
    note: LongText = ""
    signed_form: bool = Field(
        False, description="Staff only: the resident's signed authorisation form is on file (代办委托书)"
    )


class MaterialsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    received: list[str] = Field(
        max_length=40, description="Material ids received (adds to those already ticked)"
    )
    note: LongText = ""


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signed_form: bool = Field(False, description="Staff: note a signed authorisation form instead")


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remark: LongText = ""


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason
    materials: list[str] = Field(default_factory=list, max_length=40, description="Materials to supply again")


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Handover
    note: LongText = ""


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Rating
    comment: LongText = ""


class PersonRef(BaseModel):
    id: uuid.UUID
    name: str


class MissingMaterial(BaseModel):
    id: str
    name: str
    form: str
    count: int


class RequestOut(BaseModel):
    id: uuid.UUID
    number: str
    community_id: uuid.UUID
    item_id: uuid.UUID
    item_version: int
    item_version_id: uuid.UUID
    item_name: str
    department_id: uuid.UUID
    applicant: PersonRef
    taken_by: PersonRef
    on_behalf: bool
    channel: Channel
    consent: Consent | None
    status: RequestStatus
    materials: list[MaterialOut]
    materials_received: list[str]
    missing: list[MissingMaterial]
    started_on: date | None
    due_on: date | None
    paused_on: date | None
    paused_days: int
    corrections: int
    overdue: bool
    decision_reason: str | None
    handover: Handover | None
    rating: Rating | None
    rating_comment: str | None
    created_at: datetime
    updated_at: datetime


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    kind: str
    status: RequestStatus | None
    body: str
    public: bool
    actor_id: uuid.UUID | None
    created_at: datetime


# ---------------------------------------------------------------- stats


class StatsRow(BaseModel):
    key: uuid.UUID
    name: str
    volume: int
    decided: int
    on_time: int
    on_time_rate: float | None
    average_working_days: float | None
    corrections: int
    rated: int
    satisfied: int
    satisfaction_rate: float | None


class StatsOut(BaseModel):
    group_by: Literal["item", "department"]
    rows: list[StatsRow]


# ---------------------------------------------------------------- office hours


class ScheduleIn(BaseModel):
    """每周四上午: weekly [4]; 每月第一、三个周二: monthly, weekdays [2], weeks_of_month [1, 3]."""

    model_config = ConfigDict(extra="forbid")
    recurrence: Recurrence
    weekdays: list[int] = Field(min_length=1, max_length=7, description="ISO weekdays, 1 = Monday")
    weeks_of_month: list[int] = Field(
        default_factory=list, max_length=5, description="Monthly only: 1–5, or -1 for the last"
    )
    start_time: time
    end_time: time
    starts_on: date
    until: date | None = None

    @model_validator(mode="after")
    def _valid(self) -> ScheduleIn:
        if any(d < 1 or d > 7 for d in self.weekdays):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
        if any(w not in (1, 2, 3, 4, 5, -1) for w in self.weeks_of_month):
            raise ValueError("weeks_of_month are 1–5 or -1")
        if (self.recurrence is Recurrence.monthly) != bool(self.weeks_of_month):
            raise ValueError("weeks_of_month is given for monthly schedules only, and they need it")
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        if self.until is not None and self.until < self.starts_on:
            raise ValueError("until must not be before starts_on")
        return self


class OfficeHoursIn(ScheduleIn):
    community_id: uuid.UUID | None = None
    official_id: uuid.UUID | None = Field(
        None, description="The official's account (calls numbers, writes notes)"
    )
    official_name: ShortName
    official_title: Annotated[str, limits(0, 100), Clean] = ""
    topic: OfficeTopic
    title: Name
    location: Medium = ""
    capacity: int = Field(0, ge=0, le=200, description="Bookable places per session (0: walk-in only)")


class SessionOut(BaseModel):
    day: date
    start_at: datetime
    end_at: datetime
    moved_from: date | None = Field(None, description="The holiday this make-up working day stands in for")
    slot_id: uuid.UUID | None = None
    remaining: int | None = None


class OfficeHoursOut(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    official_id: uuid.UUID | None
    official_name: str
    official_title: str
    topic: OfficeTopic
    title: str
    location: str
    schedule_label: str
    recurrence: Recurrence
    weekdays: list[int]
    weeks_of_month: list[int]
    start_time: time
    end_time: time
    starts_on: date
    until: date | None
    capacity: int
    booking_service_id: uuid.UUID | None
    active: bool
    upcoming: list[SessionOut] = Field(default_factory=list)


class QueueTakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Short = Field("", description="Staff: the walk-in's name when they have no account")


class QueueNumberOut(BaseModel):
    id: uuid.UUID
    number: int
    status: QueueStatus
    position: int | None = Field(description="1 = next to be called; None once called")
    name: str
    taken_at: datetime
    called_at: datetime | None


class QueueOut(BaseModel):
    office_hours_id: uuid.UUID
    day: date
    session_today: bool = Field(True, description="False: no office hours today, no queue")
    now_serving: int | None
    waiting: int
    last_number: int
    mine: QueueNumberOut | None = None
    numbers: list[QueueNumberOut] | None = Field(None, description="The whole queue (official and staff)")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Reason
    queue_number_id: uuid.UUID | None = None
    resident_id: uuid.UUID | None = None


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    office_hours_id: uuid.UUID
    queue_number_id: uuid.UUID | None
    resident_id: uuid.UUID | None
    author_id: uuid.UUID
    body: str
    created_at: datetime
