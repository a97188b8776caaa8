"""Staff views of bookings: a day's schedule with attendees, weekly statistics and their export."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import segno
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings.booking import get_booking
from app.bookings.schemas import Attendee, BookingCodeOut, DaySchedule, ScheduleSlot, StatsOut, WeekStat
from app.core import clock
from app.core.errors import ValidationFailed, _
from app.core.exports import Export
from app.core.privacy import mask_phone
from app.identity.principal import Principal
from app.models.bookings import BookableService, Booking, BookingSlot, BookingStatus, SlotStatus
from app.models.identity import User
from app.platform import audit


async def booking_code(db: AsyncSession, who: Principal, booking_id: uuid.UUID) -> BookingCodeOut:
    booking = await get_booking(db, who, booking_id)
    qr = segno.make(booking.code, error="m")
    return BookingCodeOut(code=booking.code, qr_svg=qr.svg_data_uri(scale=4))


# ---------------------------------------------------------------- day schedule


async def day_schedule(
    db: AsyncSession,
    who: Principal,
    *,
    day: date | None,
    service_id: uuid.UUID | None,
    location: str | None,
) -> DaySchedule:
    """Slots of the day in the caller's communities, by location then time, with who is coming."""
    day = day or clock.today()
    start, end = clock.day_bounds(day)
    query = (
        select(BookingSlot, BookableService)
        .join(BookableService, BookableService.id == BookingSlot.service_id)
        .where(
            BookingSlot.community_id.in_(who.staff_communities),
            BookingSlot.start_at >= start,
            BookingSlot.start_at < end,
        )
    )
    if service_id is not None:
        query = query.where(BookingSlot.service_id == service_id)
    if location:
        query = query.where(BookableService.location == location)
    rows = (
        await db.execute(query.order_by(BookableService.location, BookingSlot.start_at, BookableService.name))
    ).all()
    slot_ids = [slot.id for slot, _service in rows]
    attendees: dict[uuid.UUID, list[Attendee]] = {sid: [] for sid in slot_ids}
    if slot_ids:
        people = (
            await db.execute(
                select(Booking, User.name, User.phone)
                .join(User, User.id == Booking.user_id)
                .where(Booking.slot_id.in_(slot_ids), Booking.status != BookingStatus.cancelled)
                .order_by(Booking.waitlist_position.nulls_first(), Booking.created_at)
            )
        ).all()
        for booking, name, phone in people:
            attendees[booking.slot_id].append(
                Attendee(
                    booking_id=booking.id,
                    user_id=booking.user_id,
                    name=name,
                    phone=mask_phone(phone) if phone else None,
                    status=booking.status,
                    waitlist_position=booking.waitlist_position,
                    booked_by_staff=booking.booked_by != booking.user_id,
                )
            )
    return DaySchedule(
        date=day,
        slots=[
            ScheduleSlot(
                slot_id=slot.id,
                service_id=slot.service_id,
                service_name=service.name,
                location=service.location,
                start_at=slot.start_at,
                end_at=slot.end_at,
                capacity=slot.capacity,
                booked=slot.booked,
                status=slot.status,
                attendees=attendees[slot.id],
            )
            for slot, service in rows
        ],
    )


# ---------------------------------------------------------------- statistics


async def stats(
    db: AsyncSession,
    who: Principal,
    *,
    from_date: date | None,
    to_date: date | None,
    service_id: uuid.UUID | None,
) -> StatsOut:
    """Per service and ISO week (Asia/Shanghai): places offered, taken, attended and missed."""
    today = clock.today()
    to_date = to_date or today
    from_date = from_date or to_date - timedelta(days=27)
    if to_date < from_date or (to_date - from_date).days > 366:
        raise ValidationFailed(_("时间范围无效（最长一年）", "Invalid range (at most a year)"))
    start, end = clock.date_range_bounds(from_date, to_date)
    week = func.date_trunc("week", func.timezone("Asia/Shanghai", BookingSlot.start_at)).label("week")
    slot_filter = [
        BookingSlot.community_id.in_(who.staff_communities),
        BookingSlot.start_at >= start,
        BookingSlot.start_at < end,
        BookingSlot.status != SlotStatus.cancelled,
    ]
    if service_id is not None:
        slot_filter.append(BookingSlot.service_id == service_id)
    offered = (
        await db.execute(
            select(
                BookingSlot.service_id,
                BookableService.name,
                week,
                func.count(BookingSlot.id),
                func.sum(BookingSlot.capacity),
            )
            .join(BookableService, BookableService.id == BookingSlot.service_id)
            .where(*slot_filter)
            .group_by(BookingSlot.service_id, BookableService.name, week)
        )
    ).all()
    taken = (
        await db.execute(
            select(BookingSlot.service_id, week, Booking.status, func.count(Booking.id))
            .join(Booking, Booking.slot_id == BookingSlot.id)
            .where(*slot_filter)
            .group_by(BookingSlot.service_id, week, Booking.status)
        )
    ).all()
    counts: dict[tuple[uuid.UUID, datetime], dict[BookingStatus, int]] = {}
    for sid, wk, status, n in taken:
        counts.setdefault((sid, wk), {})[status] = n
    items: list[WeekStat] = []
    for sid, name, wk, n_slots, capacity in offered:
        c = counts.get((sid, wk), {})
        checked_in = c.get(BookingStatus.checked_in, 0)
        no_shows = c.get(BookingStatus.no_show, 0)
        booked = checked_in + no_shows + c.get(BookingStatus.confirmed, 0)
        items.append(
            WeekStat(
                service_id=sid,
                service_name=name,
                week_start=wk.date(),
                slots=n_slots,
                capacity=int(capacity or 0),
                booked=booked,
                checked_in=checked_in,
                no_shows=no_shows,
                cancelled=c.get(BookingStatus.cancelled, 0),
                utilisation=round(booked / capacity, 4) if capacity else 0.0,
                no_show_rate=round(no_shows / (checked_in + no_shows), 4) if checked_in + no_shows else 0.0,
            )
        )
    items.sort(key=lambda i: (i.week_start, i.service_name))
    return StatsOut(from_date=from_date, to_date=to_date, items=items)


HEADERS = ["服务", "周（起）", "时段数", "名额", "已预约", "已签到", "爽约", "取消", "使用率", "爽约率"]


def _rows(view: StatsOut) -> list[list[object]]:
    return [
        [
            i.service_name,
            i.week_start.isoformat(),
            i.slots,
            i.capacity,
            i.booked,
            i.checked_in,
            i.no_shows,
            i.cancelled,
            i.utilisation,
            i.no_show_rate,
        ]
        for i in view.items
    ]


async def export_stats(
    db: AsyncSession,
    who: Principal,
    *,
    fmt: str,
    from_date: date | None,
    to_date: date | None,
    service_id: uuid.UUID | None,
) -> Export:
    view = await stats(db, who, from_date=from_date, to_date=to_date, service_id=service_id)
    await audit.record(
        db,
        actor_id=who.id,
        action="bookings.stats_exported",
        target_type="booking_stats",
        format=fmt,
        rows=len(view.items),
    )
    name = f"bookings-{view.from_date.isoformat()}-{view.to_date.isoformat()}"
    # Utilisation and no-show rate (columns I and J) as percentages in Excel.
    return Export(
        filename=name, title="预约统计", header=HEADERS, rows=_rows(view), formats={8: "0.0%", 9: "0.0%"}
    )
