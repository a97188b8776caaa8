"""The API contract of proposals (群众下单): what residents propose and support, what staff answer."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import Clean, limits
from app.models.consultation import ProposalStatus, Urgency

Title = Annotated[str, limits(1, 200), Clean]
Description = Annotated[str, limits(0, 5000), Clean]
Answer = Annotated[str, limits(1, 2000), Clean]


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    description: Description = ""
    building_id: uuid.UUID | None = Field(None, description="The building (楼栋) it concerns")
    grid_id: uuid.UUID | None = Field(
        None, description="The grid (网格) it concerns (from the building if given)"
    )
    urgency: Urgency = Field(Urgency.normal, description="轻重缓急: 1 一般, 2 较急, 3 紧急")


class TriageAction(enum.StrEnum):
    accept = "accept"  # 列入议题: onto the agenda of a consultation meeting
    merge = "merge"  # 合并 into another proposal on the same matter
    decline = "decline"  # 不予采纳, with the reason
    ticket = "ticket"  # 转工单: a repair goes to the hotline


class TriageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: TriageAction
    answer: Answer = Field(description="The official answer (答复), public on the proposal's timeline")
    into_id: uuid.UUID | None = Field(None, description="merge: the proposal it joins")
    category_id: uuid.UUID | None = Field(None, description="ticket: the ticket category (工单类别)")
    urgency: Urgency | None = Field(None, description="Staff's view of how pressing it is")


class PhotoOut(BaseModel):
    id: uuid.UUID
    proposal_id: uuid.UUID
    content_type: str
    size: int
    width: int
    height: int
    url: str
    thumbnail_url: str
    created_at: datetime


class ProposalEventOut(BaseModel):
    seq: int
    kind: str
    body: str
    public: bool
    actor_name: str | None
    created_at: datetime


class ProposalSummary(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    title: str
    status: ProposalStatus
    status_label: str
    urgency: Urgency
    urgency_label: str
    support_count: int
    flagged: bool = Field(description="Supports reached LINLI_CONSULTATION_SUPPORT_THRESHOLD")
    author_name: str
    mine: bool
    supported: bool = Field(description="The caller supports it")
    grid_id: uuid.UUID | None
    building_id: uuid.UUID | None
    place: str | None = Field(description="The grid or building, as residents name it")
    created_at: datetime


class ProposalOut(ProposalSummary):
    description: str
    following: bool
    support_threshold: int
    answer: str | None
    answered_at: datetime | None
    merged_into_id: uuid.UUID | None
    ticket_id: uuid.UUID | None
    ticket_number: str | None
    meeting_id: uuid.UUID | None = Field(description="The meeting that takes (or took) it up")
    outcome: str | None = Field(description="What the meeting decided: adopted, rejected or referred")
    outcome_label: str | None
    decision_id: uuid.UUID | None = Field(description="The 四议两公开 decision it was referred to")
    photos: list[PhotoOut]
    timeline: list[ProposalEventOut]
    updated_at: datetime
