"""In/out shapes of rectification items (整改)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.core.text import Text
from app.models.rectifications import RectificationSource, RectificationStatus

STATUS_LABELS = {RectificationStatus.open: "整改中", RectificationStatus.closed: "已办结"}
SOURCE_LABELS = {
    RectificationSource.review_round: "居民评议",
    RectificationSource.project: "项目验收",
    RectificationSource.decision: "四议两公开",
    RectificationSource.survey: "问卷调查",
}


class NoteIn(BaseModel):
    body: Text = Field(min_length=1, max_length=2000, description="整改进展: what was done")


class CloseIn(BaseModel):
    note: Text = Field(min_length=1, max_length=2000, description="How the item was put right (办结说明)")


class NoteOut(BaseModel):
    id: uuid.UUID
    body: str
    author_name: str
    created_at: datetime


class RectificationOut(BaseModel):
    """A rectification item. `owner_user_id` and `opened_by` are for staff only (None for others)."""

    id: uuid.UUID
    community_id: uuid.UUID
    source_kind: RectificationSource
    source_label: str
    source_id: uuid.UUID
    title: str
    detail: str
    owner_name: str = Field(description="整改责任人 as shown to residents")
    status: RectificationStatus
    status_label: str
    opened_on: date
    deadline_workdays: int = Field(description="Working days allowed (China's official calendar)")
    deadline_on: date
    overdue: bool
    closed_at: datetime | None = None
    closing_note: str | None = None
    notes: list[NoteOut] = Field(default_factory=list)
    public: bool
    owner_user_id: uuid.UUID | None = None
    opened_by: uuid.UUID | None = None
