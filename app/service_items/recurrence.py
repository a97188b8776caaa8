"""Recurring office hours (驻点服务) on China's calendar, with python-dateutil's rrule.

"每周四上午" is weekly on Thursday; "每月第一、三个周二" is monthly on the first and third Tuesday.
An occurrence on a public holiday is skipped. When that holiday is a day off in lieu (调休: a weekday
off paid back by a make-up working day, 补班), the session moves to the make-up day that pays it back:
chinese_calendar names both days after the holiday, and the in-lieu days and make-up days of one
holiday are paired in date order (Labour Day 2026: Tuesday 5 May off, Saturday 9 May worked).
Past the calendar's horizon no day is a holiday.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

import chinese_calendar
from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule, weekday

from app.service_items.config import rules

_WEEKDAYS: tuple[weekday, ...] = (MO, TU, WE, TH, FR, SA, SU)
_CN_DAYS = "一二三四五六日"
_CN_WEEKS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", -1: "最后一"}


@dataclass(frozen=True)
class Schedule:
    monthly: bool
    weekdays: tuple[int, ...]  # ISO, 1 = Monday
    weeks_of_month: tuple[int, ...]
    start_time: time
    end_time: time
    starts_on: date
    until: date | None


@dataclass(frozen=True)
class Occurrence:
    day: date
    moved_from: date | None = None  # the holiday this make-up working day stands in for


def _holiday(day: date) -> bool:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return bool(on_holiday and name is not None)


@lru_cache(maxsize=1)
def _makeup_for_in_lieu() -> dict[date, date]:
    """Each day off in lieu → the make-up working day that pays it back."""
    off: dict[tuple[str, int], list[date]] = defaultdict(list)
    worked: dict[tuple[str, int], list[date]] = defaultdict(list)
    for day, name in chinese_calendar.constants.in_lieu_days.items():
        off[(str(name), day.year)].append(day)
    for day, name in chinese_calendar.constants.workdays.items():
        worked[(str(name), day.year)].append(day)
    pairs: dict[date, date] = {}
    for key, days_off in off.items():
        for lieu, makeup in zip(sorted(days_off), sorted(worked.get(key, [])), strict=False):
            pairs[lieu] = makeup
    return pairs


def _rule(schedule: Schedule, start: date, end: date) -> list[date]:
    days = [_WEEKDAYS[d - 1] for d in sorted(set(schedule.weekdays))]
    freq: Literal[1, 2] = MONTHLY if schedule.monthly else WEEKLY
    byweekday = days
    if schedule.monthly:
        byweekday = [d(n) for d in days for n in sorted(set(schedule.weeks_of_month))]
    first = max(start, schedule.starts_on)
    last = min(end, schedule.until) if schedule.until else end
    if last < first:
        return []
    # Monthly rules count weeks from the month's first day, so start the rule at a month boundary.
    dtstart = datetime.combine(first.replace(day=1), time())
    rule = rrule(freq, dtstart=dtstart, until=datetime.combine(last, time()), byweekday=byweekday)
    return [d.date() for d in rule if d.date() >= first]


def occurrences(schedule: Schedule, start: date, end: date) -> list[Occurrence]:
    """Session days in [start, end], holidays skipped, days off in lieu moved to their make-up day."""
    if (end - start).days > rules().recurrence_max_days:
        raise ValueError("range too long")
    margin = timedelta(days=40)  # a make-up day may fall weeks before or after the day it pays back
    pairs = _makeup_for_in_lieu()
    out: dict[date, Occurrence] = {}
    for day in _rule(schedule, start - margin, end + margin):
        if _holiday(day):
            makeup = pairs.get(day)
            if makeup is not None and start <= makeup <= end:
                out.setdefault(makeup, Occurrence(makeup, moved_from=day))
            continue
        if start <= day <= end:
            out[day] = Occurrence(day)
    return [out[d] for d in sorted(out)]


def label(schedule: Schedule) -> str:
    """每月第一、三个周二 14:00–17:00 / 每周四 09:00–12:00."""
    days = "、".join(f"周{_CN_DAYS[d - 1]}" for d in sorted(set(schedule.weekdays)))
    hours = f"{schedule.start_time:%H:%M}–{schedule.end_time:%H:%M}"
    if schedule.monthly:
        weeks = "、".join(_CN_WEEKS[w] for w in sorted(set(schedule.weeks_of_month), key=lambda w: w % 10))
        return f"每月第{weeks}个{days} {hours}"
    return f"每{days} {hours}"
