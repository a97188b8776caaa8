"""Tunable rules of volunteering (志愿活动, 互助), from the environment (LINLI_VOLUNTEERING_*)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class VolunteeringRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_VOLUNTEERING_", extra="ignore")

    # The organiser's check-in code changes this often; the previous one is still accepted for the
    # grace period after it rotates (a volunteer scanning at the turn of the minute is not refused).
    code_rotate_seconds: int = 60
    code_grace_seconds: int = 30
    # Check-in opens this long before the start; check-out stays open this long after the end.
    checkin_tolerance_minutes: int = 30
    # Wrong codes (matching nothing) allowed per volunteer per activity, and per activity, in a window.
    wrong_codes_per_user: int = 10
    wrong_codes_per_activity: int = 300
    wrong_codes_window_seconds: int = 600
    # Signed-up volunteers are reminded of an activity starting within this many hours (活动提醒).
    remind_ahead_hours: int = 24
    # Mutual aid (互助): requesters this old (by a birth date staff verified) may draw on the subsidy.
    subsidy_elder_age: int = 60
    # 补录: how many days back staff may record an activity held on paper (its start, Shanghai days).
    backfill_days: int = 60


@lru_cache
def rules() -> VolunteeringRules:
    return VolunteeringRules()
