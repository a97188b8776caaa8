"""Time limits in working days on China's official calendar (public holidays off, make-up days on).

Dates are Asia/Shanghai calendar days. A time limit of N working days runs from the day after 受理:
the deadline is the N-th working day after the start day (0: the start day itself). A correction (补正)
pauses the clock: the working days after the day it was asked up to and including the day it was
supplied do not count, so the deadline moves that many working days later.
"""

from __future__ import annotations

from datetime import date, timedelta

from app.core import clock
from app.tickets.sla import is_workday  # moves to app.core.workdays with issue #11

_GUARD = 3660  # no time limit runs past ten years of calendar


def today() -> date:
    return clock.local_now().date()


def add_workdays(start: date, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself when days is 0)."""
    day = start
    left = days
    for _ in range(_GUARD):
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
