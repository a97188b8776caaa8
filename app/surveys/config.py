"""Tunable rules of surveys, from LINLI_SURVEYS_*."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class SurveyRules(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_SURVEYS_", extra="ignore")

    # Anonymous surveys: a breakdown cell (a grid or building) with fewer responses than this is shown as
    # "fewer than N", so a small building cannot reveal how one household answered.
    min_cell: int = 5
    # The most questions in one survey and options in one question.
    max_questions: int = 100
    max_options: int = 30


@lru_cache
def rules() -> SurveyRules:
    return SurveyRules()
