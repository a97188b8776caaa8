"""Tunable rules of the merchants domain, from the environment (LINLI_MERCHANTS_*), with safe defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class MerchantRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_MERCHANTS_", extra="ignore")

    # How long a redemption code shown on the resident's phone stays valid.
    code_seconds: int = 90
    # Merchant staff may refund their own redemptions within this window; community staff at any time.
    refund_window_hours: int = 24
    # Failed code attempts (invalid, expired, used) allowed per window before the till is locked out.
    failures_per_staff: int = 10
    failures_per_merchant: int = 30
    failure_window_seconds: int = 600


@lru_cache
def rules() -> MerchantRules:
    return MerchantRules()
