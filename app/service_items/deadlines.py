"""Time limits in working days on China's official calendar (public holidays off, make-up days on).

Dates are Asia/Shanghai calendar days. A time limit of N working days runs from the day after 受理:
the deadline is the N-th working day after the start day (0: the start day itself). A correction (补正)
pauses the clock: the working days after the day it was asked up to and including the day it was
supplied do not count, so the deadline moves that many working days later.
"""

from __future__ import annotations

from datetime import date

from app.core import clock
from app.core.workdays import add_workdays, is_workday, workdays_after

__all__ = ["add_workdays", "is_workday", "today", "workdays_after"]


def today() -> date:
    return clock.today()
