"""Tunable rules of consultation (proposals, meetings, 四议两公开), from LINLI_CONSULTATION_*."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsultationRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_CONSULTATION_", extra="ignore")

    # 决议公开: the shortest publication window, in WORKING days (China's official calendar). A window
    # of N working days always covers at least N calendar days, so "at least 7 days" holds and a
    # holiday never eats the residents' time to object.
    publication_days: int = 7
    # Staff answer an objection (异议) within this many working days of its filing day; later: 督办.
    objection_answer_days: int = 3
    # Supports that flag a proposal for staff attention (群众下单 reaching the threshold).
    support_threshold: int = 10
    # Meetings (协商议事): the door code opens this long before the start and closes at the end.
    checkin_tolerance_minutes: int = 30
    # The door code changes this often; the previous one is still accepted for the grace seconds.
    code_rotate_seconds: int = 60
    code_grace_seconds: int = 30


@lru_cache
def rules() -> ConsultationRules:
    return ConsultationRules()
