"""Tunable rules of service items (服务事项) and officials' office hours, from LINLI_SERVICE_ITEMS_*."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceItemRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_SERVICE_ITEMS_", extra="ignore")

    # Catalogue imports (XLSX/CSV): the largest file accepted and the most rows read from it.
    import_max_bytes: int = 1_000_000
    import_max_rows: int = 500
    # Office hours: sessions (and their booking slots) are made this many days ahead, and this many
    # days of upcoming sessions are shown; a recurrence is expanded over at most this many days.
    sessions_ahead_days: int = 56
    upcoming_days: int = 28
    recurrence_max_days: int = 366
    # Statistics cover at most this many days.
    stats_max_days: int = 366


@lru_cache
def rules() -> ServiceItemRules:
    return ServiceItemRules()
