"""The working-day calendar every deadline uses (tickets' SLA, objections, service items, rectifications).

Working time is 09:00–18:00 Asia/Shanghai on working days. Working days follow `chinese_calendar`
(public holidays off, make-up Saturdays/Sundays on); for years it does not know yet it raises
NotImplementedError and we fall back to Monday–Friday with a warning logged once per year.

In working hours (tickets' SLA): `add`, `between`, `deadline(start, hours, working_time)`,
`shift_for_pause`. In whole Shanghai days (time limits of N working days): `add_workdays(start, n)`,
`workdays_after(start, end)`. `is_workday(day)` underlies both.
"""

from __future__ import annotations

import logging
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


@lru_cache(maxsize=8192)
def is_workday(day: date) -> bool:
    """A working day by the official calendar, or Monday–Friday past the calendar's horizon."""
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
