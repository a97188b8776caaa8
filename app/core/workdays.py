"""The working-day calendar every deadline uses (tickets' SLA, objections, service items, rectifications).

Working time is 09:00–18:00 Asia/Shanghai on working days. Working days come, in this order, from:

1. an official notice an admin entered for that year (国务院办公厅 holiday arrangement: its holidays
   and its make-up working days 调休上班), held here in an in-process table that `set_notices` replaces
   (the holidays domain loads it from the database at start, after each change and every minute or so);
   a year with a notice follows it exactly: listed holidays off, listed make-up days on, else Mon–Fri;
2. `chinese_calendar` (public holidays off, make-up Saturdays/Sundays on);
3. for years neither knows, Monday–Friday, with a warning logged once per year; from 1 December
   `next_year_warning(today)` says so (staff and /readyz show it).

This module stays synchronous and free of any domain: callers everywhere use it without a session.

In working hours (tickets' SLA): `add`, `between`, `deadline(start, hours, working_time)`,
`shift_for_pause`. In whole Shanghai days (time limits of N working days): `add_workdays(start, n)`,
`workdays_after(start, end)`. `is_workday(day)` underlies both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

from app.core.clock import SHANGHAI

log = logging.getLogger("linli.workdays")

WORK_START = time(9, 0)
WORK_END = time(18, 0)
WORKDAY_HOURS = 9  # one working day of SLA = 9 working hours
_MAX_DAYS = 3660  # a guard: no SLA runs past ten years of calendar

_warned_years: set[int] = set()


@dataclass(frozen=True)
class YearNotice:
    """One year's official holiday arrangement: days off, and weekend days worked instead (调休)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]


_notices: dict[int, YearNotice] = {}


def set_notices(notices: Iterable[YearNotice]) -> None:
    """Replace the entered notices (they take precedence over `chinese_calendar`); clears the cache."""
    global _notices
    fresh = {n.year: n for n in notices}
    if fresh != _notices:
        _notices = fresh
        is_workday.cache_clear()


def notices() -> dict[int, YearNotice]:
    return dict(_notices)


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def source_of(year: int) -> str:
    """Where `year`'s working days come from: "notice", "package" or "weekdays" (the fallback)."""
    if year in _notices:
        return "notice"
    return "package" if _package_knows(year) else "weekdays"


def next_year_warning(today: date) -> str | None:
    """From 1 December: a warning when next year's official holidays are known to nobody."""
    if today.month != 12 or source_of(today.year + 1) != "weekdays":
        return None
    return (
        f"{today.year + 1} 年的法定节假日安排尚未录入，工作日将按周一至周五计算；"
        f"请在国务院办公厅发布通知后录入 / {today.year + 1}'s official holidays are not entered yet: "
        "deadlines will count Monday-Friday until an admin enters the notice"
    )


@lru_cache(maxsize=8192)
def is_workday(day: date) -> bool:
    """A working day by the entered notice, else the official calendar, else Monday–Friday."""
    notice = _notices.get(day.year)
    if notice is not None:
        if day in notice.workdays:
            return True
        if day in notice.holidays:
            return False
        return day.weekday() < 5
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "chinese_calendar has no data for this year; working days fall back to Monday-Friday",
                extra={"year": day.year},
            )
        return day.weekday() < 5


def _window(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, WORK_START, SHANGHAI), datetime.combine(day, WORK_END, SHANGHAI)


def add(start: datetime, duration: timedelta, working_time: bool) -> datetime:
    """The instant `duration` of SLA time after `start` (UTC-aware in, same zone out)."""
    if not working_time:
        return start + duration
    if duration <= timedelta(0):
        return start
    tz = start.tzinfo
    local = start.astimezone(SHANGHAI)
    remaining = duration
    day = local.date()
    for _ in range(_MAX_DAYS):
        if is_workday(day):
            open_, close = _window(day)
            begin = max(open_, local)
            if begin < close:
                available = close - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(tz)
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("SLA runs past the calendar guard")


def between(a: datetime, b: datetime, working_time: bool) -> timedelta:
    """SLA time elapsed from `a` to `b` (negative when b is before a)."""
    if not working_time:
        return b - a
    if b < a:
        return -between(b, a, True)
    la, lb = a.astimezone(SHANGHAI), b.astimezone(SHANGHAI)
    total = timedelta(0)
    day = la.date()
    while day <= lb.date():
        if is_workday(day):
            open_, close = _window(day)
            begin, end = max(open_, la), min(close, lb)
            if begin < end:
                total += end - begin
        day += timedelta(days=1)
    return total


def deadline(start: datetime, hours: int, working_time: bool) -> datetime:
    return add(start, timedelta(hours=hours), working_time)


def shift_for_pause(
    deadline_at: datetime | None, paused_at: datetime, resumed_at: datetime, working_time: bool
) -> datetime | None:
    """Add the time a ticket spent paused (in SLA time) back to a deadline."""
    if deadline_at is None:
        return None
    paused = between(paused_at, resumed_at, working_time)
    if paused <= timedelta(0):
        return deadline_at
    return add(deadline_at, paused, working_time)


# ---------------------------------------------------------------- whole working days (dates)


def add_workdays(start: date, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself when days is 0)."""
    day = start
    left = days
    for _ in range(_MAX_DAYS):
        if left <= 0:
            return day
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    raise ValueError("time limit runs past the calendar guard")


def workdays_after(start: date, end: date) -> int:
    """Working days d with start < d <= end (0 when end is not after start)."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_workday(day):
            count += 1
        day += timedelta(days=1)
    return count
