"""Official holiday notices (节假日安排): admins enter a year's arrangement; it decides that year's working days.

`chinese_calendar` knows the official holidays only up to the year its newest release came out with
(2026 today). Each November the State Council's General Office (国务院办公厅) publishes next year's
arrangement; an admin enters it here (`PUT /holiday-notices/{year}`) and from then on every deadline
(tickets' SLAs, objections, service items, rectifications) counts that year by it.

The calendar itself (`app.core.workdays`) is synchronous and used everywhere, so the notices live in an
in-process table there: loaded when a process starts (`load_into_calendar`), reloaded right after a
change commits in the process that made it (`after_commit`), and every `LINLI_HOLIDAYS_REFRESH_SECONDS`
in every process (`keep_fresh`), so another API process or a worker follows within that bound.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import clock, workdays
from app.core.database import after_commit
from app.core.errors import _
from app.core.pagination import Page, PageParams, page_of
from app.holidays.config import rules
from app.holidays.errors import NoticeInvalid, NoticeNotFound
from app.holidays.schemas import NoticeIn
from app.identity.principal import Principal
from app.models.holidays import CalendarWarning, HolidayNotice, HolidayNoticeDay, NoticeDayKind
from app.notifications.service import notify
from app.platform import audit

log = logging.getLogger("linli.holidays")

MAX_FESTIVAL_DAYS = 15  # the longest festival break a notice has ever given is 8–9 days


# ---------------------------------------------------------------------------------------- the calendar


async def read_notices(db: AsyncSession) -> list[workdays.YearNotice]:
    rows = (
        await db.execute(select(HolidayNoticeDay.year, HolidayNoticeDay.day, HolidayNoticeDay.kind))
    ).all()
    years = set((await db.execute(select(HolidayNotice.year))).scalars())
    by_year: dict[int, tuple[set[date], set[date]]] = {y: (set(), set()) for y in years}
    for year, day, kind in rows:
        off, on = by_year.setdefault(year, (set(), set()))
        (on if kind is NoticeDayKind.workday else off).add(day)
    return [workdays.YearNotice(y, frozenset(off), frozenset(on)) for y, (off, on) in by_year.items()]


async def load_into_calendar(db: AsyncSession) -> int:
    """Put the entered notices into the in-process calendar; returns how many years they cover."""
    notices = await read_notices(db)
    workdays.set_notices(notices)
    return len(notices)


async def keep_fresh(sessionmaker: async_sessionmaker[AsyncSession], every: float | None = None) -> None:
    """Reload the notices forever (run as a task beside an API or worker process).

    While the database is away the last loaded notices stay in force and it tries again next round.
    """
    interval = every if every is not None else rules().refresh_seconds
    while True:
        try:
            async with sessionmaker() as db:
                await load_into_calendar(db)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("holiday notices not reloaded", extra={"error": str(exc)[:200]})
        await asyncio.sleep(interval)


# ---------------------------------------------------------------------------------------- reading


def _summary(notice: HolidayNotice, off: int, on: int) -> dict[str, Any]:
    return {
        "year": notice.year,
        "title": notice.title,
        "document_no": notice.document_no,
        "holidays": off,
        "workdays": on,
        "entered_by": notice.entered_by,
        "updated_at": notice.updated_at,
    }


async def _counts(db: AsyncSession, notice_id: uuid.UUID) -> tuple[int, int]:
    rows = (
        await db.execute(
            select(HolidayNoticeDay.kind, func.count())
            .where(HolidayNoticeDay.notice_id == notice_id)
            .group_by(HolidayNoticeDay.kind)
        )
    ).all()
    counts = {kind: int(n) for kind, n in rows}
    return counts.get(NoticeDayKind.holiday, 0), counts.get(NoticeDayKind.workday, 0)


async def list_notices(db: AsyncSession, params: PageParams) -> Page[Any]:
    position = params.after(int)
    query = select(HolidayNotice)
    if position is not None:
        query = query.where(HolidayNotice.year > position[0])
    rows = list((await db.execute(query.order_by(HolidayNotice.year).limit(params.limit + 1))).scalars())
    page = page_of(rows, params, lambda n: [n.year])
    items = [_summary(n, *(await _counts(db, n.id))) for n in page.items]
    return Page[Any](items=items, next_cursor=page.next_cursor)


async def get_notice(db: AsyncSession, year: int) -> dict[str, Any]:
    notice = (await db.execute(select(HolidayNotice).where(HolidayNotice.year == year))).scalar_one_or_none()
    if notice is None:
        raise NoticeNotFound()
    days = (
        (
            await db.execute(
                select(HolidayNoticeDay)
                .where(HolidayNoticeDay.notice_id == notice.id)
                .order_by(HolidayNoticeDay.day)
            )
        )
        .scalars()
        .all()
    )
    off = sum(1 for d in days if d.kind is NoticeDayKind.holiday)
    return {
        **_summary(notice, off, len(days) - off),
        "days": [{"day": d.day, "kind": d.kind.value, "name": d.name} for d in days],
    }


def status(today: date | None = None) -> dict[str, Any]:
    """Where this year's and next year's working days come from, and the December warning."""
    today = today or clock.today()
    years = sorted({today.year, today.year + 1, *workdays.notices()})
    return {
        "today": today,
        "years": [{"year": y, "source": workdays.source_of(y)} for y in years if y >= today.year],
        "warning": workdays.next_year_warning(today),
    }


# ---------------------------------------------------------------------------------------- entering


def _days_of(year: int, body: NoticeIn) -> dict[date, tuple[NoticeDayKind, str]]:
    days: dict[date, tuple[NoticeDayKind, str]] = {}

    def put(day: date, kind: NoticeDayKind, name: str) -> None:
        if day.year != year:
            raise NoticeInvalid(_(f"{day} 不在 {year} 年", f"{day} is not in {year}"), day=day.isoformat())
        if day in days:
            raise NoticeInvalid(_(f"{day} 出现了两次", f"{day} appears twice"), day=day.isoformat())
        days[day] = (kind, name)

    for festival in body.holidays:
        if festival.last < festival.first or (festival.last - festival.first).days >= MAX_FESTIVAL_DAYS:
            raise NoticeInvalid(
                _(
                    f"{festival.name} 的放假起止日期不合理",
                    f"{festival.name}: first/last days are inconsistent",
                ),
                day=festival.first.isoformat(),
            )
        day = festival.first
        while day <= festival.last:
            put(day, NoticeDayKind.holiday, festival.name)
            day += timedelta(days=1)
        for worked in festival.workdays:
            if worked.weekday() < 5:
                raise NoticeInvalid(
                    _(
                        f"调休上班日 {worked} 不是周末",
                        f"make-up working day {worked} is not a Saturday or Sunday",
                    ),
                    day=worked.isoformat(),
                )
            put(worked, NoticeDayKind.workday, festival.name)
    return days


async def enter_notice(db: AsyncSession, who: Principal, year: int, body: NoticeIn) -> dict[str, Any]:
    """Enter (or correct) `year`'s official arrangement; audited; in force once committed."""
    days = _days_of(year, body)
    notice = (
        await db.execute(select(HolidayNotice).where(HolidayNotice.year == year).with_for_update())
    ).scalar_one_or_none()
    replaced = notice is not None
    before = await _counts(db, notice.id) if notice is not None else (0, 0)
    if notice is None:
        # Two admins entering the same year at once: the unique year decides, the loser waits and updates.
        await db.execute(
            insert(HolidayNotice)
            .values(
                id=uuid.uuid4(),
                year=year,
                title=body.title,
                document_no=body.document_no,
                entered_by=who.id,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["year"])
        )
        notice = (
            await db.execute(
                select(HolidayNotice)
                .where(HolidayNotice.year == year)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
    notice.title = body.title
    notice.document_no = body.document_no
    notice.entered_by = who.id
    notice.updated_at = clock.now()
    await db.execute(delete(HolidayNoticeDay).where(HolidayNoticeDay.notice_id == notice.id))
    await db.flush()
    db.add_all(
        HolidayNoticeDay(day=day, notice_id=notice.id, year=year, kind=kind, name=name)
        for day, (kind, name) in sorted(days.items())
    )
    await db.flush()
    off = sum(1 for kind, _name in days.values() if kind is NoticeDayKind.holiday)
    await audit.record(
        db,
        actor_id=who.id,
        action="holiday_notice.replace" if replaced else "holiday_notice.enter",
        target_type="holiday_notice",
        target_id=str(year),
        title=body.title,
        document_no=body.document_no,
        holidays=off,
        workdays=len(days) - off,
        holidays_before=before[0] if replaced else None,
        workdays_before=before[1] if replaced else None,
    )
    after_commit(db, lambda: load_into_calendar(db))
    return await get_notice(db, year)


async def remove_notice(db: AsyncSession, who: Principal, year: int) -> None:
    """Withdraw `year`'s notice: that year goes back to `chinese_calendar` (or Monday–Friday)."""
    notice = (
        await db.execute(select(HolidayNotice).where(HolidayNotice.year == year).with_for_update())
    ).scalar_one_or_none()
    if notice is None:
        raise NoticeNotFound()
    off, on = await _counts(db, notice.id)
    await db.delete(notice)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="holiday_notice.remove",
        target_type="holiday_notice",
        target_id=str(year),
        title=notice.title,
        holidays=off,
        workdays=on,
    )
    after_commit(db, lambda: load_into_calendar(db))


# ---------------------------------------------------------------------------------------- warning


async def warn_if_next_year_unknown(db: AsyncSession, now: Any, recipients: list[uuid.UUID]) -> int:
    """From 1 December, once per year: tell `recipients` (staff and admins) that next year is unknown.

    The row in `calendar_warnings` is claimed first (insert … on conflict do nothing), so however many
    workers run the job, the warning goes out once. Returns how many were told.
    """
    today = clock.local_day(now)
    await load_into_calendar(db)
    warning = workdays.next_year_warning(today)
    if warning is None:
        return 0
    claimed = await db.execute(
        insert(CalendarWarning)
        .values(year=today.year + 1, warned_at=now, recipients=len(recipients))
        .on_conflict_do_nothing()
        .returning(CalendarWarning.year)
    )
    if claimed.scalar_one_or_none() is None:
        return 0
    for user_id in recipients:
        await notify(
            db,
            user_id=user_id,
            kind="calendar.next_year_unknown",
            title=f"{today.year + 1} 年节假日安排待录入",
            body=warning,
            data={"year": today.year + 1},
        )
    await db.flush()
    return len(recipients)
