"""Tunable rules of tickets (工单), from the environment (LINLI_TICKETS_*), with safe defaults."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class TicketRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_TICKETS_", extra="ignore")

    # Resolved tickets not rated within this many days close by themselves (自动办结).
    auto_close_days: int = 7
    # A ticket escalated to the community (督办) goes on to the street's admins this many hours later.
    street_escalation_hours: int = 24
    # Photos: the largest upload accepted and the most photos one ticket holds.
    photo_max_bytes: int = 10 * 1024 * 1024
    photos_per_ticket: int = 9
    # Exports: the most tickets in one CSV/XLSX.
    export_max_rows: int = 100_000
    # Open311 (12345 platform): the most requests one query answers, and calls per client address a minute.
    open311_max_results: int = 1000
    open311_calls_per_minute: int = 60


@lru_cache
def rules() -> TicketRules:
    return TicketRules()
