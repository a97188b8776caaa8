"""Tunable rules of the holidays domain, from the environment (LINLI_HOLIDAYS_*)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class HolidayRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_HOLIDAYS_", extra="ignore")

    # How often every API and worker process re-reads the entered notices (the process that changes one
    # reloads at once): the longest another process may still count a day by the old calendar.
    refresh_seconds: float = 60.0


@lru_cache
def rules() -> HolidayRules:
    return HolidayRules()
