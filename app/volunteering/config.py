"""Tunable rules of the volunteering domain, from the environment (LINLI_VOLUNTEERING_*)."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class VolunteeringRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_VOLUNTEERING_", extra="ignore")

    # 补录: how many days back staff may record an activity held on paper (its start, Shanghai days).
    backfill_days: int = 60


@lru_cache
def rules() -> VolunteeringRules:
    return VolunteeringRules()
