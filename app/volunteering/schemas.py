"""Request and response bodies of volunteer activities and mutual aid."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.core.text import Line, Text
from app.models.volunteering import ActivityStatus, HelpStatus, SignupStatus


class ActivityIn(BaseModel):
    community_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller's community")
    title: Text = Field(min_length=1, max_length=100)
    description: Text = Field(default="", max_length=5000)
    location: Text = Field(min_length=1, max_length=200)
    start_at: AwareDatetime
    end_at: AwareDatetime
    capacity: int = Field(gt=0, le=10000)
    minutes_reward: int | None = Field(
        default=None,
        ge=0,
        le=24 * 60,
        description="Most minutes one attendee earns; default the planned length",
    )
    points_reward: int = Field(default=0, ge=0, le=100000)
    signup_deadline: AwareDatetime | None = Field(default=None, description="Defaults to start_at")


class ActivityPatch(BaseModel):
    title: Text | None = Field(default=None, min_length=1, max_length=100)
    description: Text | None = Field(default=None, max_length=5000)
    location: Text | None = Field(default=None, min_length=1, max_length=200)
    start_at: AwareDatetime | None = None
    end_at: AwareDatetime | None = None
    capacity: int | None = Field(default=None, gt=0, le=10000)
    minutes_reward: int | None = Field(default=None, ge=0, le=24 * 60)
    points_reward: int | None = Field(default=None, ge=0, le=100000)
    signup_deadline: AwareDatetime | None = None


class MySignup(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: SignupStatus
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    credited_minutes: int | None
    credited_points: int | None


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_id: uuid.UUID
    organiser_id: uuid.UUID
    title: str
    description: str
    location: str
    start_at: datetime
    end_at: datetime
    capacity: int
    signed_up: int
    remaining: int
    minutes_reward: int
    points_reward: int
    signup_deadline: datetime
    status: ActivityStatus
    cancel_reason: str | None
    my_signup: MySignup | None = None


class CancelIn(BaseModel):
    reason: Text = Field(default="", max_length=200)


class SignupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    activity_id: uuid.UUID
    user_id: uuid.UUID
    status: SignupStatus
    created_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    credited_minutes: int | None
    credited_points: int | None


class VolunteerOut(SignupOut):
    name: str
    phone: str | None


class CheckinCodeOut(BaseModel):
    code: str
    expires_at: datetime = Field(description="When the next code replaces this one")
    valid_until: datetime = Field(description="expires_at plus the grace period for late scanners")
    rotates_every_seconds: int


class CodeIn(BaseModel):
    code: Text = Field(min_length=1, max_length=20)


class AttendanceIn(BaseModel):
    user_id: uuid.UUID
    checked_in_at: AwareDatetime
    checked_out_at: AwareDatetime | None = None


class Credit(BaseModel):
    user_id: uuid.UUID
    minutes: int
    points: int


class SettlementException(BaseModel):
    user_id: uuid.UUID
    minutes: int
    points: int
    code: str = Field(description='Why it could not be credited, e.g. "cross_community"')
    detail: str


class SettlementOut(BaseModel):
    activity_id: uuid.UUID
    status: ActivityStatus
    attendees: int
    minutes_credited: int
    points_credited: int
    credits: list[Credit]
    exceptions: list[SettlementException] = Field(
        default_factory=list,
        description="Attendees who could not be credited; everyone else was. Settling again retries them.",
    )


# ---------------------------------------------------------------------------------------- mutual aid


class HelpIn(BaseModel):
    title: Text = Field(min_length=1, max_length=100)
    description: Text = Field(default="", max_length=2000)
    minutes: int = Field(gt=0, le=600, description="Time-bank minutes offered to the helper")
    when_at: AwareDatetime


class DisputeIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=500)


class HelpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_id: uuid.UUID
    requester_id: uuid.UUID
    helper_id: uuid.UUID | None
    title: str
    description: str
    minutes: int
    when_at: datetime
    status: HelpStatus
    created_at: datetime
    taken_at: datetime | None
    completed_at: datetime | None
    paid_by: str | None
    disputed: bool
    dispute_reason: str | None


# ---------------------------------------------------------------------------------------- 补录


class BackfillAttendee(BaseModel):
    user_id: uuid.UUID
    checked_in_at: AwareDatetime
    checked_out_at: AwareDatetime


class BackfillIn(BaseModel):
    """A past activity run on paper, with its sign-in sheet (补录)."""

    community_id: uuid.UUID | None = Field(default=None, description="Defaults to the caller's community")
    title: Text = Field(min_length=1, max_length=100)
    description: Text = Field(default="", max_length=5000)
    location: Text = Field(min_length=1, max_length=200)
    start_at: AwareDatetime
    end_at: AwareDatetime
    minutes_reward: int | None = Field(default=None, ge=0, le=24 * 60, description="Defaults to the length")
    points_reward: int = Field(default=0, ge=0, le=100000)
    capacity: int | None = Field(default=None, gt=0, le=10000, description="Defaults to the attendees")
    source: Line = Field(min_length=1, max_length=200, description="The paper record, e.g. 签到表编号")
    attendees: list[BackfillAttendee] = Field(
        default_factory=list, max_length=500, description="The sheet; more can be added by POST attendance"
    )


class BackfillOut(ActivityOut):
    backfilled_at: datetime
    backfill_source: str
    attendees: int
