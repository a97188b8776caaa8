"""The bookings API contract: services, slots, bookings, schedules and statistics."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.text import Text
from app.models.bookings import Audience, BookingStatus, ProviderKind, SlotStatus


class ServiceRules(BaseModel):
    points_price: int = Field(0, ge=0, le=100_000, description="Price in points; 0 is free")
    opens_days_ahead: int = Field(
        7, ge=0, le=365, description="Booking opens this many days before the start"
    )
    closes_minutes_before: int = Field(
        30, ge=0, le=7 * 24 * 60, description="Booking closes this long before"
    )
    cancel_before_minutes: int = Field(120, ge=0, le=14 * 24 * 60, description="Residents cancel until then")
    quota_per_week: int | None = Field(None, ge=1, le=100, description="Bookings per resident per week")
    quota_per_day: int | None = Field(None, ge=1, le=100, description="Bookings per resident per day")
    approval_required: bool = False
    waitlist: bool = True


class ServiceIn(ServiceRules):
    community_id: uuid.UUID | None = Field(
        None, description="Defaults to the caller's (only) staff community"
    )
    name: Text = Field(min_length=1, max_length=100)
    category: Text = Field("", max_length=50)
    description: Text = Field("", max_length=5000)
    provider_kind: ProviderKind = ProviderKind.centre
    provider_name: Text = Field("", max_length=100)
    merchant_id: uuid.UUID | None = None
    location: Text = Field("", max_length=200)
    audience: Audience = Audience.everyone

    @model_validator(mode="after")
    def _merchant(self) -> ServiceIn:
        if self.provider_kind is ProviderKind.merchant and self.merchant_id is None:
            raise ValueError("merchant_id is required when the provider is a merchant")
        return self


class ServicePatch(BaseModel):
    name: Text | None = Field(None, min_length=1, max_length=100)
    category: Text | None = Field(None, max_length=50)
    description: Text | None = Field(None, max_length=5000)
    provider_name: Text | None = Field(None, max_length=100)
    location: Text | None = Field(None, max_length=200)
    audience: Audience | None = None
    points_price: int | None = Field(None, ge=0, le=100_000)
    opens_days_ahead: int | None = Field(None, ge=0, le=365)
    closes_minutes_before: int | None = Field(None, ge=0, le=7 * 24 * 60)
    cancel_before_minutes: int | None = Field(None, ge=0, le=14 * 24 * 60)
    quota_per_week: int | None = Field(None, ge=1, le=100)
    quota_per_day: int | None = Field(None, ge=1, le=100)
    approval_required: bool | None = None
    waitlist: bool | None = None
    active: bool | None = None


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    category: str
    description: str
    provider_kind: ProviderKind
    provider_name: str
    merchant_id: uuid.UUID | None
    location: str
    audience: Audience
    points_price: int
    opens_days_ahead: int
    closes_minutes_before: int
    cancel_before_minutes: int
    quota_per_week: int | None
    quota_per_day: int | None
    approval_required: bool
    waitlist: bool
    active: bool
    created_at: datetime


class SlotIn(BaseModel):
    """One slot; naive times are Asia/Shanghai local time."""

    start_at: datetime
    end_at: datetime
    capacity: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _order(self) -> SlotIn:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class WeeklyTime(BaseModel):
    weekday: int = Field(ge=1, le=7, description="1 = Monday … 7 = Sunday")
    start: time = Field(description="Local (Asia/Shanghai) start time, e.g. 09:00")
    end: time
    capacity: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _order(self) -> WeeklyTime:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ScheduleIn(BaseModel):
    """Slots from a weekly schedule over a date range (inclusive), skipping public holidays by default."""

    from_date: date
    to_date: date
    weekly: list[WeeklyTime] = Field(min_length=1, max_length=100)
    skip_holidays: bool = True

    @model_validator(mode="after")
    def _order(self) -> ScheduleIn:
        if self.to_date < self.from_date:
            raise ValueError("to_date must not be before from_date")
        return self


class SlotsIn(BaseModel):
    """Either `slots` (one by one) or `schedule` (bulk from a weekly schedule)."""

    slots: list[SlotIn] | None = Field(None, min_length=1, max_length=500)
    schedule: ScheduleIn | None = None

    @model_validator(mode="after")
    def _one(self) -> SlotsIn:
        if (self.slots is None) == (self.schedule is None):
            raise ValueError("give exactly one of slots or schedule")
        return self


class SlotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    service_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    capacity: int
    booked: int
    remaining: int
    waitlisted: int = 0
    status: SlotStatus


class SlotsCreated(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items: list[SlotOut]
    skipped_holidays: list[date] = Field(description="Dates left out because they are public holidays")
    skipped_existing: int = Field(description="Slots that already existed (same service and start)")
    holiday_calendar_unknown: list[date] = Field(
        default_factory=list, description="Dates past the holiday calendar's horizon (not checked)"
    )


class SlotCancelIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=200)


class BookingIn(BaseModel):
    slot_id: uuid.UUID
    on_behalf_of: uuid.UUID | None = Field(None, description="Staff only: the resident booked for (代预约)")


class CancelIn(BaseModel):
    reason: Text | None = Field(None, max_length=200)


class CheckInIn(BaseModel):
    code: Text = Field(min_length=4, max_length=16)


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slot_id: uuid.UUID
    service_id: uuid.UUID
    community_id: uuid.UUID
    user_id: uuid.UUID
    booked_by: uuid.UUID
    status: BookingStatus
    waitlist_position: int | None
    code: str = Field(description="Show to staff at check-in (as digits or QR)")
    points: int
    slot_start_at: datetime
    slot_end_at: datetime
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: uuid.UUID | None
    cancel_reason: str | None
    created_at: datetime


class BookingCodeOut(BaseModel):
    code: str
    qr_svg: str = Field(description="The code as an SVG QR image (data URI)")


class SuspensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    suspended: bool
    until: datetime | None
    no_shows_recent: int = Field(description="No-shows counted in the current window")
    limit: int
    window_days: int


class Attendee(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    booking_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    phone: str | None
    status: BookingStatus
    waitlist_position: int | None
    booked_by_staff: bool


class ScheduleSlot(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slot_id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    location: str
    start_at: datetime
    end_at: datetime
    capacity: int
    booked: int
    status: SlotStatus
    attendees: list[Attendee]


class DaySchedule(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: date
    slots: list[ScheduleSlot]


class WeekStat(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    service_id: uuid.UUID
    service_name: str
    week_start: date
    slots: int
    capacity: int
    booked: int
    checked_in: int
    no_shows: int
    cancelled: int
    utilisation: float = Field(description="Places taken (confirmed, checked in, no-show) / capacity")
    no_show_rate: float = Field(description="No-shows / (checked in + no-shows)")


class StatsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_date: date
    to_date: date
    items: list[WeekStat]


ExportFormat = Literal["csv", "xlsx"]
