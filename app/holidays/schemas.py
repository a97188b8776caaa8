"""The API contract of official holiday notices (节假日安排) and the calendar's status."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.text import Line


class HolidayIn(BaseModel):
    """One festival as the notice words it: days off from `first` to `last`, weekend days worked."""

    name: Line = Field(max_length=50, description="元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节 …")
    first: date
    last: date
    workdays: list[date] = Field(
        default_factory=list, max_length=10, description="调休上班: Saturdays or Sundays worked instead"
    )


class NoticeIn(BaseModel):
    title: Line = Field(max_length=200, description="e.g. 国务院办公厅关于2027年部分节假日安排的通知")
    document_no: Line | None = Field(default=None, max_length=100, description="e.g. 国办发明电〔2026〕7号")
    holidays: list[HolidayIn] = Field(min_length=1, max_length=20)


class NoticeDayOut(BaseModel):
    day: date
    kind: Literal["holiday", "workday"]
    name: str


class NoticeSummary(BaseModel):
    year: int
    title: str
    document_no: str | None
    holidays: int = Field(description="Days off it names")
    workdays: int = Field(description="Make-up working days it names")
    entered_by: uuid.UUID
    updated_at: datetime


class NoticeOut(NoticeSummary):
    days: list[NoticeDayOut]


class YearSource(BaseModel):
    year: int
    source: Literal["notice", "package", "weekdays"] = Field(
        description="notice: entered here; package: chinese_calendar; weekdays: Monday–Friday fallback"
    )


class CalendarStatus(BaseModel):
    today: date
    years: list[YearSource]
    warning: str | None = Field(description="From 1 December while next year is unknown")
