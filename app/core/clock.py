"""The one source of "now" for business rules, so tests can move time instead of sleeping; and the
Shanghai-day helpers every domain uses (a "day" in Linli is a day in Asia/Shanghai):

- `local_day(at)`: the Shanghai date of an instant; `today()`: the Shanghai date now;
- `local_midnight(day)`, `day_bounds(day)`, `date_range_bounds(first, last)`: UTC instants that bound a
  local day or an inclusive range of local dates, for `WHERE at >= start AND at < end`;
- `month_start(at)`: 00:00 on the first of the Shanghai month;
- `as_utc(at)`: an aware time in UTC, a naive one read as Shanghai local time;
- `local_text(at, fmt)`: Shanghai wall-clock text (`SHORT` "11月28日 09:30" for messages, `EXPORT` for
  spreadsheets); "" for None.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """Current UTC time (aware), shifted or frozen by tests."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def local_now() -> datetime:
    return now().astimezone(SHANGHAI)


def freeze(at: datetime) -> None:
    global _frozen
    _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> None:
    global _offset, _frozen
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset = _offset + delta


def reset() -> None:
    global _offset, _frozen
    _offset = timedelta(0)
    _frozen = None


# ---------------------------------------------------------------- Shanghai days

SHORT = "%m月%d日 %H:%M"
MINUTES = "%Y-%m-%d %H:%M"
EXPORT = "%Y-%m-%d %H:%M:%S"


def local_day(at: datetime) -> date:
    """The Shanghai calendar date of an aware instant."""
    return at.astimezone(SHANGHAI).date()


def today() -> date:
    """Today's date in Shanghai (follows the test clock)."""
    return local_day(now())


def local_midnight(day: date) -> datetime:
    """00:00 of `day` in Shanghai, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Shanghai day `day`."""
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def date_range_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the Shanghai dates `first` to `last`, both included."""
    return local_midnight(first), local_midnight(last + timedelta(days=1))


def month_start(at: datetime) -> datetime:
    """00:00 on the first day of `at`'s Shanghai month, as an aware UTC datetime."""
    return local_midnight(local_day(at).replace(day=1))


def as_utc(at: datetime) -> datetime:
    """Aware times in UTC; naive ones are read as Shanghai local time."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=SHANGHAI)
    return at.astimezone(UTC)


def local_text(at: datetime | None, fmt: str = MINUTES) -> str:
    """Shanghai wall-clock text of an instant ("" for None)."""
    return at.astimezone(SHANGHAI).strftime(fmt) if at is not None else ""
