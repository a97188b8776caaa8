"""The API contract of consultation meetings (协商议事): agenda, seats, attendance, minutes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import Clean, limits
from app.models.consultation_meetings import AttendanceMethod, MeetingStatus, Party, TopicOutcome, Vote

Title = Annotated[str, limits(1, 200), Clean]
Place = Annotated[str, limits(1, 200), Clean]
LongText = Annotated[str, limits(0, 5000), Clean]
Summary = Annotated[str, limits(1, 5000), Clean]
PersonName = Annotated[str, limits(1, 100), Clean]


class TopicIn(BaseModel):
    """A topic from an accepted proposal (`proposal_id`), or written by staff (`title`)."""

    model_config = ConfigDict(extra="forbid")
    proposal_id: uuid.UUID | None = None
    title: Title | None = None
    description: LongText = ""


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = Field(None, description="Defaults to the caller's community")
    title: Title
    description: LongText = ""
    place: Place = Field(description="e.g. 社区茶馆")
    starts_at: datetime
    ends_at: datetime
    parties: list[Party] = Field(default_factory=list, max_length=5, description="Invited parties")
    seats: int = Field(ge=0, le=10_000, description="Open seats residents register for")
    quorum: int = Field(ge=1, le=10_000, description="Attendance the minutes need (法定人数)")
    topics: list[TopicIn] = Field(default_factory=list, max_length=30)


class RegistrationOut(BaseModel):
    meeting_id: uuid.UUID
    registered: bool
    seats: int
    seats_left: int


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, limits(1, 32), Clean]


class AttendanceIn(BaseModel):
    """Staff mark someone present: a resident (`user_id`), or an invited party's person (name, party)."""

    model_config = ConfigDict(extra="forbid")
    user_id: uuid.UUID | None = None
    name: PersonName | None = None
    party: Party | None = None


class CheckinCodeOut(BaseModel):
    code: str
    expires_at: datetime
    valid_until: datetime
    rotates_every_seconds: int


class AttendeeOut(BaseModel):
    id: uuid.UUID
    meeting_id: uuid.UUID
    user_id: uuid.UUID | None
    name: str
    party: Party | None
    party_label: str | None
    method: AttendanceMethod
    checked_in_at: datetime


class AttendeeVoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attendee_id: uuid.UUID
    vote: Vote


class TopicMinutesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic_id: uuid.UUID
    summary: Summary = Field(description="The discussion, summarised")
    outcome: TopicOutcome
    votes_for: int | None = Field(None, ge=0, le=10_000)
    votes_against: int | None = Field(None, ge=0, le=10_000)
    votes_abstain: int | None = Field(None, ge=0, le=10_000)
    votes: list[AttendeeVoteIn] | None = Field(
        None, max_length=10_000, description="Per attendee (the counts are then derived from them)"
    )


class MinutesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: list[TopicMinutesIn] = Field(min_length=1, max_length=30)
    note: LongText = ""


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, limits(1, 500), Clean]


class VoteOut(BaseModel):
    attendee_id: uuid.UUID
    name: str
    vote: Vote


class TopicOut(BaseModel):
    id: uuid.UUID
    position: int
    title: str
    description: str
    proposal_id: uuid.UUID | None
    summary: str | None
    outcome: TopicOutcome | None
    outcome_label: str | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    votes: list[VoteOut] | None = Field(None, description="Staff only, when recorded per attendee")
    decision_id: uuid.UUID | None = Field(None, description="The 四议两公开 decision it was referred to")


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str


class PartyOut(BaseModel):
    party: Party
    label: str


class MeetingSummary(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    status: MeetingStatus
    status_label: str
    seats: int
    seats_left: int
    registered: bool
    topics_count: int


class MeetingOut(MeetingSummary):
    description: str
    parties: list[PartyOut]
    quorum: int
    attendance: int
    checked_in: bool
    topics: list[TopicOut]
    attendees: list[AttendeeOut] | None = Field(None, description="Staff only")
    registrations: list[PersonOut] | None = Field(None, description="Staff only: registered residents")
    cancel_reason: str | None
    closed_at: datetime | None
    attendance_at_close: int | None
    quorum_met: bool | None
    minutes_note: str | None
    created_at: datetime
