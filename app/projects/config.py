"""Tunable rules of community projects, from LINLI_PROJECTS_*."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ProjectRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_PROJECTS_", extra="ignore")

    # 验收 (acceptance) score = these weights (percent, summing to 100) of: the indicators' achievement,
    # the reviewers' score and the residents' satisfaction, each on 0–100.
    acceptance_indicator_weight: int = 40
    acceptance_reviewer_weight: int = 40
    acceptance_satisfaction_weight: int = 20
    # Grade bands over the acceptance score (the call's pass_score is the bar for 合格).
    grade_excellent: int = 90
    grade_good: int = 75
    # Working days a rectification item (整改) gets when staff do not say otherwise.
    rectification_workdays: int = 15
    # Photos one project may hold (progress photos).
    photos_per_project: int = 30
    # The largest photo upload accepted, in bytes.
    photo_max_bytes: int = 10 * 1024 * 1024


@lru_cache
def rules() -> ProjectRules:
    return ProjectRules()
