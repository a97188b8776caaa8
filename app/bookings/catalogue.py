"""The catalogue of bookings (服务目录): bookable services, their slots, and weekly schedules (排班).

Every function here returns the schema the router sends (`ServiceOut`, `SlotOut`, `SlotsCreated`).
Cancelling a slot cancels its bookings through `app.bookings.booking`, under the slot's row lock.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import chinese_calendar
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings.booking import LIVE, lock_slot, mark_cancelled
from app.bookings.config import rules
from app.bookings.errors import BookingServiceNotFound, InvalidSchedule, SlotNotFound
from app.bookings.rules import local
from app.bookings.schemas import (
    ScheduleIn,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    SlotOut,
    SlotsCreated,
    SlotsIn,
    WeeklyTime,
)
from app.core import clock
from app.core.errors import InvalidTransition, ValidationFailed, _
from app.core.pagination import Page, PageParams, page_of
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.merchants import service as merchants
from app.models.bookings import BookableService, Booking, BookingSlot, BookingStatus, SlotStatus
from app.notifications.service import notify
from app.platform import audit

# ---------------------------------------------------------------- services


async def create_service(db: AsyncSession, who: Principal, body: ServiceIn) -> ServiceOut:
    community_id = acting_community(who, body.community_id)
    if body.merchant_id is not None:
        await merchants.require_in_community(db, body.merchant_id, community_id)
    service = BookableService(
        **body.model_dump(exclude={"community_id"}), community_id=community_id, created_by=who.id
    )
    db.add(service)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="bookings.service_created",
        target_type="booking_service",
        target_id=service.id,
        community_id=community_id,
        name=service.name,
    )
    return ServiceOut.model_validate(service)


async def _visible_service(db: AsyncSession, who: Principal, service_id: uuid.UUID) -> BookableService:
    """Active services are readable by anyone signed in; inactive ones by their community's staff."""
    service = await db.get(BookableService, service_id)
    if service is None or not (service.active or who.is_staff_of(service.community_id)):
        raise BookingServiceNotFound()
    return service


async def _staff_service(db: AsyncSession, who: Principal, service_id: uuid.UUID) -> BookableService:
    service = await db.get(BookableService, service_id)
    if service is None or not who.is_staff_of(service.community_id):
        raise BookingServiceNotFound()
    return service


async def get_service(db: AsyncSession, who: Principal, service_id: uuid.UUID) -> ServiceOut:
    return ServiceOut.model_validate(await _visible_service(db, who, service_id))


async def update_service(
    db: AsyncSession, who: Principal, service_id: uuid.UUID, body: ServicePatch
) -> ServiceOut:
    service = await _staff_service(db, who, service_id)
    changes = body.model_dump(exclude_unset=True)
    nullable = {"quota_per_week", "quota_per_day"}
    for key, value in changes.items():
        if value is None and key not in nullable:
            continue
        setattr(service, key, value)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="bookings.service_updated",
        target_type="booking_service",
        target_id=service.id,
        community_id=service.community_id,
        fields=",".join(sorted(changes)),
    )
    return ServiceOut.model_validate(service)


async def list_services(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    community_id: uuid.UUID | None,
    category: str | None,
    include_inactive: bool,
) -> Page[ServiceOut]:
    """Services of a community (default: the caller's own and those they staff), by name."""
    position = params.after(str, uuid.UUID)
    query = select(BookableService)
    if community_id is not None:
        query = query.where(BookableService.community_id == community_id)
    else:
        mine = set(who.staff_communities)
        if who.community_id is not None:
            mine.add(who.community_id)
        query = query.where(BookableService.community_id.in_(mine))
    if category:
        query = query.where(BookableService.category == category)
    if include_inactive:
        query = query.where(
            or_(BookableService.active, BookableService.community_id.in_(who.staff_communities))
        )
    else:
        query = query.where(BookableService.active)
    if position is not None:
        name, last_id = position
        query = query.where(
            or_(
                BookableService.name > name,
                and_(BookableService.name == name, BookableService.id > last_id),
            )
        )
    query = query.order_by(BookableService.name, BookableService.id).limit(params.limit + 1)
    rows = list((await db.execute(query)).scalars())
    page = page_of(rows, params, lambda s: [s.name, str(s.id)])
    return Page[ServiceOut](
        items=[ServiceOut.model_validate(s) for s in page.items], next_cursor=page.next_cursor
    )


# ---------------------------------------------------------------- slots


def slot_out(slot: BookingSlot, waitlisted: int = 0) -> SlotOut:
    remaining = max(slot.capacity - slot.booked, 0) if slot.status is SlotStatus.open else 0
    return SlotOut(
        id=slot.id,
        service_id=slot.service_id,
        start_at=slot.start_at,
        end_at=slot.end_at,
        capacity=slot.capacity,
        booked=slot.booked,
        remaining=remaining,
        waitlisted=waitlisted,
        status=slot.status,
    )


async def list_slots(
    db: AsyncSession,
    who: Principal,
    service_id: uuid.UUID,
    *,
    start: datetime | None,
    end: datetime | None,
) -> list[SlotOut]:
    service = await _visible_service(db, who, service_id)
    start = clock.as_utc(start) if start else clock.now()
    end = clock.as_utc(end) if end else start + timedelta(days=max(service.opens_days_ahead, 7) + 7)
    longest = rules().max_schedule_days
    if end <= start or end - start > timedelta(days=longest):
        raise ValidationFailed(
            _(f"时间范围无效（最长 {longest} 天）", f"Invalid range (at most {longest} days)")
        )
    waiting = (
        select(func.count())
        .where(Booking.slot_id == BookingSlot.id, Booking.status == BookingStatus.waitlisted)
        .correlate(BookingSlot)
        .scalar_subquery()
    )
    query = select(BookingSlot, waiting).where(
        BookingSlot.service_id == service.id,
        BookingSlot.start_at >= start,
        BookingSlot.start_at < end,
    )
    if not who.is_staff_of(service.community_id):
        query = query.where(BookingSlot.status != SlotStatus.cancelled)
    rows = (await db.execute(query.order_by(BookingSlot.start_at).limit(1000))).all()
    return [slot_out(slot, count) for slot, count in rows]


def _holiday(day: date) -> bool | None:
    """True on a statutory holiday (not a plain weekend); None past the calendar's horizon."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return bool(is_holiday and name is not None)


def _schedule_times(
    schedule: ScheduleIn,
) -> tuple[list[tuple[datetime, datetime, int]], list[date], list[date]]:
    longest = rules().max_schedule_days
    if (schedule.to_date - schedule.from_date).days + 1 > longest:
        raise InvalidSchedule(_(f"排班范围最长 {longest} 天", f"A schedule covers at most {longest} days"))
    times: list[tuple[datetime, datetime, int]] = []
    skipped: list[date] = []
    unknown: list[date] = []
    by_day: dict[int, list[WeeklyTime]] = {}
    for entry in schedule.weekly:
        by_day.setdefault(entry.weekday, []).append(entry)
    day = schedule.from_date
    while day <= schedule.to_date:
        entries = by_day.get(day.isoweekday(), [])
        if entries:
            holiday = _holiday(day)
            if holiday is None:
                unknown.append(day)
            if holiday and schedule.skip_holidays:
                skipped.append(day)
            else:
                for entry in entries:
                    start = datetime.combine(day, entry.start, tzinfo=clock.SHANGHAI)
                    end = datetime.combine(day, entry.end, tzinfo=clock.SHANGHAI)
                    times.append((clock.as_utc(start), clock.as_utc(end), entry.capacity))
        day += timedelta(days=1)
    return times, skipped, unknown


async def create_slots(
    db: AsyncSession, who: Principal, service_id: uuid.UUID, body: SlotsIn
) -> SlotsCreated:
    """Create slots one by one or from a weekly schedule; existing (service, start) pairs are skipped."""
    service = await _staff_service(db, who, service_id)
    skipped: list[date] = []
    unknown: list[date] = []
    if body.schedule is not None:
        times, skipped, unknown = _schedule_times(body.schedule)
    else:
        times = [(clock.as_utc(s.start_at), clock.as_utc(s.end_at), s.capacity) for s in body.slots or []]
    most = rules().max_slots_per_request
    if len(times) > most:
        raise InvalidSchedule(_(f"一次最多生成 {most} 个时段", f"At most {most} slots at once"))
    created: list[SlotOut] = []
    now = clock.now()
    for start, end, capacity in times:
        row = (
            await db.execute(
                insert(BookingSlot)
                .values(
                    id=uuid.uuid4(),
                    service_id=service.id,
                    community_id=service.community_id,
                    start_at=start,
                    end_at=end,
                    capacity=capacity,
                    booked=0,
                    status=SlotStatus.open,
                    created_at=now,
                )
                .on_conflict_do_nothing(
                    index_elements=["service_id", "start_at"], index_where=text("status <> 'cancelled'")
                )
                .returning(BookingSlot)
            )
        ).scalar_one_or_none()
        if row is not None:
            created.append(slot_out(row))
    await audit.record(
        db,
        actor_id=who.id,
        action="bookings.slots_created",
        target_type="booking_service",
        target_id=service.id,
        community_id=service.community_id,
        created=len(created),
    )
    return SlotsCreated(
        items=created,
        skipped_holidays=skipped,
        skipped_existing=len(times) - len(created),
        holiday_calendar_unknown=unknown,
    )


async def _staff_slot(db: AsyncSession, who: Principal, slot_id: uuid.UUID) -> BookingSlot:
    slot = await lock_slot(db, slot_id)
    if slot is None or not who.is_staff_of(slot.community_id):
        raise SlotNotFound()
    return slot


async def close_slot(db: AsyncSession, who: Principal, slot_id: uuid.UUID) -> SlotOut:
    """Stop taking bookings for a slot; those already made stand."""
    slot = await _staff_slot(db, who, slot_id)
    if slot.status is not SlotStatus.open:
        raise InvalidTransition()
    slot.status = SlotStatus.closed
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="bookings.slot_closed",
        target_type="booking_slot",
        target_id=slot.id,
        community_id=slot.community_id,
    )
    return slot_out(slot)


async def cancel_slot(db: AsyncSession, who: Principal, slot_id: uuid.UUID, reason: str) -> SlotOut:
    """Cancel a slot: every live booking is cancelled, its points hold voided, its resident told."""
    slot = await _staff_slot(db, who, slot_id)
    if slot.status is SlotStatus.cancelled:
        raise InvalidTransition()
    service = await db.get(BookableService, slot.service_id)
    assert service is not None
    live = (
        await db.execute(
            select(Booking)
            .where(Booking.slot_id == slot.id, Booking.status.in_(LIVE))
            .order_by(Booking.id)
            .with_for_update()
        )
    ).scalars()
    now = clock.now()
    for booking in live:
        await mark_cancelled(db, booking, actor_id=who.id, reason=f"时段取消：{reason}", now=now)
        await notify(
            db,
            user_id=booking.user_id,
            kind="booking.cancelled",
            title=f"{service.name}预约已取消",
            body=f"{local(slot.start_at)} 的时段已取消（{reason}），积分已退回。",
            link=f"/bookings/{booking.id}",
        )
    slot.status = SlotStatus.cancelled
    slot.booked = 0
    slot.cancel_reason = reason
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="bookings.slot_cancelled",
        target_type="booking_slot",
        target_id=slot.id,
        community_id=slot.community_id,
        reason=reason,
    )
    return slot_out(slot)
