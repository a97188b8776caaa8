"""Fair-use settings of bookings, from the environment (BOOKINGS_*), with the issue's defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class BookingPolicy(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKINGS_", extra="ignore")

    # Three no-shows within 30 days suspend self-booking for 14 days.
    no_show_limit: int = 3
    no_show_window_days: int = 30
    suspension_days: int = 14
    # Staff may check a resident in from this many minutes before the slot starts.
    check_in_opens_minutes: int = 60
    # A points hold outlives its slot by this long, so the no-show job can still post it.
    hold_grace_days: int = 7
    # Longest range a weekly schedule may cover in one request.
    max_schedule_days: int = 92


@lru_cache
def get_policy() -> BookingPolicy:
    return BookingPolicy()
