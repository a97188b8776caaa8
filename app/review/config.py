"""Tunable rules of the review panel (居民评议团), from LINLI_REVIEW_*."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReviewRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_REVIEW_", extra="ignore")

    # An item whose members' mean score is below this when the round closes opens a rectification (整改).
    threshold: Decimal = Field(Decimal("3.0"), ge=1, le=5)
    # Working days (China's official calendar) the owner has to put it right.
    rectification_days: int = Field(20, ge=1, le=250)


@lru_cache
def rules() -> ReviewRules:
    return ReviewRules()
