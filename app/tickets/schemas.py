"""The API contract of tickets: categories, tickets, the moves, the timeline, extensions, photos."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.text import Clean, limits
from app.models.tickets import ExtensionStatus, TicketChannel, TicketRating, TicketStatus, Visibility

Text200 = Annotated[str, limits(1, 200), Clean]
LongText = Annotated[str, limits(1, 5000), Clean]
Title = Annotated[str, limits(1, 100), Clean]
CategoryName = Annotated[str, limits(1, 50), Clean]
PersonName = Annotated[str, limits(1, 50), Clean]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9\-]{5,20}$")]


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = Field(None, description="Defaults to the caller's community")
    name: CategoryName
    default_department_id: uuid.UUID | None = None
    accept_within_hours: int = Field(ge=1, le=24 * 365)
    resolve_within_hours: int = Field(ge=1, le=24 * 365)
    working_time: bool = Field(
        False, description="Count working hours (09:00–18:00, official working days) only; 9 h = 1 day"
    )
    route_to_grid: bool = Field(
        False, description="Tickets with a building go straight to that grid's queue (its grid workers)"
    )


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    default_department_id: uuid.UUID | None
    accept_within_hours: int
    resolve_within_hours: int
    working_time: bool
    route_to_grid: bool = False


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category_id: uuid.UUID
    title: Title | None = Field(None, description="Defaults to the start of the description")
    description: LongText
    location: Text200 | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    channel: TicketChannel | None = Field(None, description="app for residents; hotline or walk_in for staff")
    caller_name: PersonName | None = None
    caller_phone: Phone | None = None
    on_behalf_of: uuid.UUID | None = Field(None, description="The known resident a staff member files for")
    building_id: uuid.UUID | None = Field(
        None, description="The building (楼栋) it is about; defaults to the reporter's registered building"
    )


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str


class TicketOut(BaseModel):
    id: uuid.UUID
    number: str
    community_id: uuid.UUID
    category_id: uuid.UUID
    status: TicketStatus
    priority: int
    title: str
    description: str
    location: str | None
    lat: float | None
    lng: float | None
    channel: TicketChannel
    reporter_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    department_id: uuid.UUID | None
    building_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None
    accept_by: datetime | None
    due_at: datetime | None
    overdue: bool
    escalation_level: int
    paused_at: datetime | None
    reply: str | None
    reject_reason: str | None
    rating: TicketRating | None
    rating_comment: str | None
    merged_into_id: uuid.UUID | None
    caller_name: str | None = Field(None, description="Staff only")
    caller_phone: str | None = Field(None, description="Staff only")
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: LongText


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    due_at: datetime | None = Field(None, description="Overrides the SLA deadline")

    @model_validator(mode="after")
    def _someone(self) -> DispatchIn:
        if self.department_id is None and self.assignee_id is None:
            raise ValueError("department_id or assignee_id is required")
        if self.due_at is not None and self.due_at.tzinfo is None:
            raise ValueError("due_at needs a UTC offset")
        return self


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply: LongText


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: LongText


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: LongText


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: datetime
    reason: LongText

    @model_validator(mode="after")
    def _aware(self) -> ExtendIn:
        if self.until.tzinfo is None:
            raise ValueError("until needs a UTC offset")
        return self


class ExtensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ticket_id: uuid.UUID
    requested_by: uuid.UUID
    until: datetime
    reason: str
    status: ExtensionStatus
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    created_at: datetime


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: TicketRating
    comment: Annotated[str, limits(0, 1000), Clean] | None = None


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into_id: uuid.UUID


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: LongText
    internal: bool = Field(False, description="Internal notes are seen by staff and handlers only")


class EventOut(BaseModel):
    id: uuid.UUID
    kind: str
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    visibility: Visibility
    body: str | None
    actor: PersonOut | None
    created_at: datetime


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ticket_id: uuid.UUID
    content_type: str
    size: int
    width: int
    height: int
    created_at: datetime
    url: str
    thumbnail_url: str
