"""Tunable rules of bookings (服务预约), from the environment (LINLI_BOOKINGS_*), with the issue's defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class BookingRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_BOOKINGS_", extra="ignore")

    # Three no-shows within 30 days suspend self-booking for 14 days.
    no_show_limit: int = 3
    no_show_window_days: int = 30
    suspension_days: int = 14
    # Staff may check a resident in from this many minutes before the slot starts.
    check_in_opens_minutes: int = 60
    # A points hold outlives its slot by this long, so the no-show job can still post it.
    hold_grace_days: int = 7
    # Longest range a weekly schedule (or a slot listing) may cover in one request.
    max_schedule_days: int = 92
    # Most slots one request may create.
    max_slots_per_request: int = 2000
    # Services for seniors (audience "seniors"): the youngest verified age that may book.
    senior_age: int = 60
    # Reminders: the day before (within this many hours) and shortly before (within this many minutes).
    remind_day_hours: int = 24
    remind_soon_minutes: int = 60


@lru_cache
def rules() -> BookingRules:
    return BookingRules()
