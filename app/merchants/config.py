"""Tunable rules of the merchants domain, from the environment (LINLI_MERCHANTS_*), with safe defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class MerchantRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_MERCHANTS_", extra="ignore")

    # How long a redemption code shown on the resident's phone stays valid.
    code_seconds: int = 90
    # An expired code is kept this long (and answers "expired"), then purged (and answers "invalid").
    code_kept_minutes: int = 60
    # Merchant staff may refund their own redemptions within this window; community staff at any time.
    refund_window_hours: int = 24
    # Wrong codes (matching no code at all) allowed per window before the till is locked out.
    failures_per_staff: int = 10
    failures_per_merchant: int = 30
    failure_window_seconds: int = 600
    # Redemptions of more points than this wait for the resident to confirm on their phone (issue #18).
    confirm_above_points: int = 500
    # How long the resident has to confirm.
    confirm_seconds: int = 300


@lru_cache
def rules() -> MerchantRules:
    return MerchantRules()
