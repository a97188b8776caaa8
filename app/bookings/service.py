"""The rules of service bookings (服务预约): services, slots, bookings, the waitlist, check-in, no-shows.

Concurrency: every change to a slot's places happens with the slot row locked (`SELECT … FOR UPDATE`),
so confirmations, waitlist positions and promotions are serialised per slot; `booked <= capacity` is
also a CHECK constraint. A resident's bookings are serialised by a transaction-level advisory lock on
their id (taken before the slot lock), so parallel bookings cannot slip past a quota. Lock order is
always: resident → slot → booking → ledger accounts.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import payments
from app.bookings.errors import (
    AlreadyBooked,
    BookingClosed,
    BookingNotOpenYet,
    BookingSuspended,
    CancelTooLate,
    CheckInNotOpen,
    InvalidBookingCode,
    InvalidSchedule,
    NotEligible,
    QuotaExceeded,
    ServiceInactive,
    SlotFull,
    SlotNotOpen,
)
from app.bookings.policy import get_policy
from app.bookings.schemas import (
    BookingIn,
    CancelIn,
    ScheduleIn,
    ServiceIn,
    ServicePatch,
    SlotsIn,
)
from app.core import clock
from app.core.errors import InvalidTransition, NotFound, ValidationFailed, _
from app.core.pagination import PageParams
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.identity.service import verified_age
from app.models.bookings import (
    ACTIVE,
    PLACE_HOLDING,
    Audience,
    BookableService,
    Booking,
    BookingSlot,
    BookingStatus,
    BookingSuspension,
    ProviderKind,
    SlotStatus,
)
from app.models.identity import User
from app.models.merchants import Merchant
from app.notifications.service import notify
from app.platform import audit

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud at a desk
CODE_LENGTH = 8
SENIOR_AGE = 60


to_utc = clock.as_utc
local_day_bounds = clock.day_bounds


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _iso(value: datetime) -> str:
    """UTC ISO 8601 with Z, as the API renders times."""
    return value.astimezone(clock.now().tzinfo).isoformat().replace("+00:00", "Z")


def _fmt_local(value: datetime) -> str:
    return clock.local_text(value, clock.SHORT)


# ---------------------------------------------------------------- services


async def create_service(db: AsyncSession, who: Principal, body: ServiceIn) -> BookableService:
    community_id = acting_community(who, body.community_id)
    if body.merchant_id is not None:
        merchant = await db.get(Merchant, body.merchant_id)
        if merchant is None or merchant.community_id != community_id:
            raise NotFound(_("商户不存在", "Merchant not found"))
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
    return service


async def get_service(db: AsyncSession, who: Principal, service_id: uuid.UUID) -> BookableService:
    """Active services are readable by anyone signed in; inactive ones by their community's staff."""
    service = await db.get(BookableService, service_id)
    if service is None or not (service.active or who.is_staff_of(service.community_id)):
        raise NotFound()
    return service


async def _staff_service(db: AsyncSession, who: Principal, service_id: uuid.UUID) -> BookableService:
    service = await db.get(BookableService, service_id)
    if service is None or not who.is_staff_of(service.community_id):
        raise NotFound()
    return service


async def update_service(
    db: AsyncSession, who: Principal, service_id: uuid.UUID, body: ServicePatch
) -> BookableService:
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
    return service


async def list_services(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    community_id: uuid.UUID | None,
    category: str | None,
    include_inactive: bool,
) -> list[BookableService]:
    """Services of a community (default: the caller's own and those they staff), by name."""
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
    position = params.after(str, uuid.UUID)
    if position is not None:
        name, last_id = position
        query = query.where(
            or_(
                BookableService.name > name,
                and_(BookableService.name == name, BookableService.id > last_id),
            )
        )
    query = query.order_by(BookableService.name, BookableService.id).limit(params.limit + 1)
    return list((await db.execute(query)).scalars())


# ---------------------------------------------------------------- slots


@dataclass
class SlotView:
    id: uuid.UUID
    service_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    capacity: int
    booked: int
    remaining: int
    waitlisted: int
    status: SlotStatus


def _view(slot: BookingSlot, waitlisted: int = 0) -> SlotView:
    remaining = max(slot.capacity - slot.booked, 0) if slot.status is SlotStatus.open else 0
    return SlotView(
        slot.id,
        slot.service_id,
        slot.start_at,
        slot.end_at,
        slot.capacity,
        slot.booked,
        remaining,
        waitlisted,
        slot.status,
    )


async def list_slots(
    db: AsyncSession,
    who: Principal,
    service_id: uuid.UUID,
    *,
    start: datetime | None,
    end: datetime | None,
) -> list[SlotView]:
    service = await get_service(db, who, service_id)
    start = to_utc(start) if start else clock.now()
    end = to_utc(end) if end else start + timedelta(days=max(service.opens_days_ahead, 7) + 7)
    if end <= start or end - start > timedelta(days=get_policy().max_schedule_days):
        raise ValidationFailed(_("时间范围无效（最长 92 天）", "Invalid range (at most 92 days)"))
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
    return [_view(slot, count) for slot, count in rows]


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
    if (schedule.to_date - schedule.from_date).days + 1 > get_policy().max_schedule_days:
        raise InvalidSchedule(_("排班范围最长 92 天", "A schedule covers at most 92 days"))
    times: list[tuple[datetime, datetime, int]] = []
    skipped: list[date] = []
    unknown: list[date] = []
    by_day: dict[int, list[Any]] = {}
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
                    times.append((to_utc(start), to_utc(end), entry.capacity))
        day += timedelta(days=1)
    return times, skipped, unknown


@dataclass
class SlotsCreated:
    items: list[SlotView]
    skipped_holidays: list[date]
    skipped_existing: int
    holiday_calendar_unknown: list[date]


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
        times = [(to_utc(s.start_at), to_utc(s.end_at), s.capacity) for s in body.slots or []]
    if len(times) > 2000:
        raise InvalidSchedule(_("一次最多生成 2000 个时段", "At most 2000 slots at once"))
    created: list[SlotView] = []
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
            created.append(_view(row))
    await audit.record(
        db,
        actor_id=who.id,
        action="bookings.slots_created",
        target_type="booking_service",
        target_id=service.id,
        community_id=service.community_id,
        created=len(created),
    )
    return SlotsCreated(created, skipped, len(times) - len(created), unknown)


async def _lock_slot(db: AsyncSession, slot_id: uuid.UUID) -> BookingSlot | None:
    return (
        await db.execute(
            select(BookingSlot)
            .where(BookingSlot.id == slot_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def _staff_slot(db: AsyncSession, who: Principal, slot_id: uuid.UUID) -> BookingSlot:
    slot = await _lock_slot(db, slot_id)
    if slot is None or not who.is_staff_of(slot.community_id):
        raise NotFound()
    return slot


async def close_slot(db: AsyncSession, who: Principal, slot_id: uuid.UUID) -> SlotView:
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
    return _view(slot)


async def cancel_slot(db: AsyncSession, who: Principal, slot_id: uuid.UUID, reason: str) -> SlotView:
    """Cancel a slot: every live booking is cancelled, its points hold voided, its resident told."""
    slot = await _staff_slot(db, who, slot_id)
    if slot.status is SlotStatus.cancelled:
        raise InvalidTransition()
    service = await db.get(BookableService, slot.service_id)
    assert service is not None
    live = (
        await db.execute(
            select(Booking)
            .where(
                Booking.slot_id == slot.id,
                Booking.status.in_(
                    (BookingStatus.pending_approval, BookingStatus.confirmed, BookingStatus.waitlisted)
                ),
            )
            .order_by(Booking.id)
            .with_for_update()
        )
    ).scalars()
    now = clock.now()
    for booking in live:
        await _mark_cancelled(db, booking, actor_id=who.id, reason=f"时段取消：{reason}", now=now)
        await notify(
            db,
            user_id=booking.user_id,
            kind="booking.cancelled",
            title=f"{service.name}预约已取消",
            body=f"{_fmt_local(slot.start_at)} 的时段已取消（{reason}），积分已退回。",
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
    return _view(slot)


# ---------------------------------------------------------------- booking


async def active_suspension(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> BookingSuspension | None:
    return (
        await db.execute(
            select(BookingSuspension)
            .where(
                BookingSuspension.user_id == user_id,
                BookingSuspension.starts_at <= now,
                BookingSuspension.ends_at > now,
            )
            .order_by(BookingSuspension.ends_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


def _check_eligible(service: BookableService, user: User, slot: BookingSlot) -> None:
    if service.audience is Audience.residents and user.community_id != service.community_id:
        raise NotEligible(_("该服务仅限本社区居民预约", "This service is for residents of its community"))
    if service.audience is Audience.seniors:
        day = clock.local_day(slot.start_at)
        age = verified_age(user, day)  # a self-declared birth date does not count (issue #18)
        if age is None:
            raise NotEligible(
                _(
                    "该服务仅限 60 岁及以上居民，请先到社区服务中心核验出生日期",
                    "This service is for residents aged 60 and over; have your birth date verified at the centre",
                ),
                min_age=SENIOR_AGE,
                birth_date_verified=False,
            )
        if age < SENIOR_AGE:
            raise NotEligible(
                _("该服务仅限 60 岁及以上居民预约", "This service is for residents aged 60 and over"),
                min_age=SENIOR_AGE,
            )


def _check_window(service: BookableService, slot: BookingSlot, now: datetime) -> None:
    opens_at = slot.start_at - timedelta(days=service.opens_days_ahead)
    closes_at = slot.start_at - timedelta(minutes=service.closes_minutes_before)
    if now < opens_at:
        raise BookingNotOpenYet(opens_at=_iso(opens_at))
    if now > closes_at:
        raise BookingClosed(closed_at=_iso(closes_at))


async def _check_quota(
    db: AsyncSession, service: BookableService, user_id: uuid.UUID, slot: BookingSlot
) -> None:
    local = clock.local_day(slot.start_at)
    checks: list[tuple[int, date, date, str]] = []
    if service.quota_per_day is not None:
        checks.append((service.quota_per_day, local, local, "day"))
    if service.quota_per_week is not None:
        monday = local - timedelta(days=local.weekday())
        checks.append((service.quota_per_week, monday, monday + timedelta(days=6), "week"))
    for limit, first, last, period in checks:
        start, _end = local_day_bounds(first)
        _start, end = local_day_bounds(last)
        count = (
            await db.execute(
                select(func.count()).where(
                    Booking.user_id == user_id,
                    Booking.service_id == service.id,
                    Booking.status.in_(ACTIVE),
                    Booking.slot_start_at >= start,
                    Booking.slot_start_at < end,
                )
            )
        ).scalar_one()
        if count >= limit:
            raise QuotaExceeded(period=period, limit=limit)


async def _lock_resident(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Serialise one resident's bookings (quota checks) without touching the users table."""
    await db.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"bookings:user:{user_id}"}
    )


async def book(db: AsyncSession, who: Principal, body: BookingIn) -> Booking:
    """Book a slot: confirmed while places remain, else waitlisted (if allowed), else 409 slot_full."""
    now = clock.now()
    on_behalf = body.on_behalf_of is not None and body.on_behalf_of != who.id
    slot = await db.get(BookingSlot, body.slot_id)
    if slot is None:
        raise NotFound()
    service = await db.get(BookableService, slot.service_id)
    assert service is not None
    if on_behalf:
        resident = await db.get(User, body.on_behalf_of)
        if (
            resident is None
            or not resident.is_active
            or not who.is_staff_of(resident.community_id)
            or not who.is_staff_of(slot.community_id)
        ):
            raise NotFound()
    else:
        resident = who.user
        if not service.active and not who.is_staff_of(service.community_id):
            raise NotFound()
        suspension = await active_suspension(db, who.id, now)
        if suspension is not None:
            raise BookingSuspended(
                _(
                    f"因多次爽约，自助预约暂停至 {_fmt_local(suspension.ends_at)}",
                    f"Self-booking is suspended until {suspension.ends_at.isoformat()}",
                ),
                until=_iso(suspension.ends_at),
            )
    if not service.active:
        raise ServiceInactive()
    _check_eligible(service, resident, slot)

    await _lock_resident(db, resident.id)
    locked = await _lock_slot(db, slot.id)
    assert locked is not None
    slot = locked
    if slot.status is not SlotStatus.open:
        raise SlotNotOpen()
    _check_window(service, slot, now)
    existing = (
        await db.execute(
            select(Booking.id).where(
                Booking.slot_id == slot.id, Booking.user_id == resident.id, Booking.status.in_(ACTIVE)
            )
        )
    ).first()
    if existing is not None:
        raise AlreadyBooked(booking_id=str(existing[0]))
    await _check_quota(db, service, resident.id, slot)

    position: int | None = None
    if slot.booked < slot.capacity:
        status = BookingStatus.pending_approval if service.approval_required else BookingStatus.confirmed
        slot.booked += 1
    elif service.waitlist:
        status = BookingStatus.waitlisted
        waiting = (
            await db.execute(
                select(func.count()).where(
                    Booking.slot_id == slot.id, Booking.status == BookingStatus.waitlisted
                )
            )
        ).scalar_one()
        position = waiting + 1
    else:
        raise SlotFull()

    booking = Booking(
        id=uuid.uuid4(),
        slot_id=slot.id,
        service_id=service.id,
        community_id=slot.community_id,
        user_id=resident.id,
        booked_by=who.id,
        slot_start_at=slot.start_at,
        slot_end_at=slot.end_at,
        status=status,
        waitlist_position=position,
        code=_new_code(),
        points=service.points_price,
    )
    if service.points_price > 0:
        booking.hold_id = await payments.hold(
            db,
            service=service,
            user_id=resident.id,
            amount=service.points_price,
            reference=f"booking:{booking.id}",
            expires_at=slot.end_at + timedelta(days=get_policy().hold_grace_days),
            actor_id=who.id,
        )
    db.add(booking)
    await db.flush()
    await _tell(db, booking, service, slot)
    if on_behalf:
        await audit.record(
            db,
            actor_id=who.id,
            on_behalf_of=resident.id,
            action="bookings.booked_on_behalf",
            target_type="booking",
            target_id=booking.id,
            community_id=slot.community_id,
            status=status.value,
        )
    return booking


async def _tell(db: AsyncSession, booking: Booking, service: BookableService, slot: BookingSlot) -> None:
    when = _fmt_local(slot.start_at)
    texts = {
        BookingStatus.confirmed: (
            "booking.confirmed",
            f"{service.name}预约成功",
            f"{when}，{service.location}",
        ),
        BookingStatus.pending_approval: (
            "booking.pending",
            f"{service.name}预约待审核",
            f"{when}，工作人员审核后通知您",
        ),
        BookingStatus.waitlisted: (
            "booking.waitlisted",
            f"{service.name}已候补",
            f"{when}，当前候补第 {booking.waitlist_position} 位，有空位将自动递补",
        ),
    }
    kind, title, body = texts[booking.status]
    await notify(
        db, user_id=booking.user_id, kind=kind, title=title, body=body, link=f"/bookings/{booking.id}"
    )


# ---------------------------------------------------------------- reading bookings


def _visible(who: Principal) -> Any:
    return or_(Booking.user_id == who.id, Booking.community_id.in_(who.staff_communities))


async def get_booking(db: AsyncSession, who: Principal, booking_id: uuid.UUID) -> Booking:
    booking = (
        await db.execute(select(Booking).where(Booking.id == booking_id, _visible(who)))
    ).scalar_one_or_none()
    if booking is None:
        raise NotFound()
    return booking


async def list_bookings(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    mine: bool,
    status: BookingStatus | None,
    service_id: uuid.UUID | None,
    slot_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
    start: datetime | None,
    end: datetime | None,
) -> list[Booking]:
    """Own bookings; staff see their communities' (filtered) unless `mine`. Newest first."""
    query = select(Booking)
    if mine or not who.staff_communities:
        query = query.where(Booking.user_id == who.id)
    else:
        query = query.where(Booking.community_id.in_(who.staff_communities))
        if user_id is not None:
            query = query.where(Booking.user_id == user_id)
    if status is not None:
        query = query.where(Booking.status == status)
    if service_id is not None:
        query = query.where(Booking.service_id == service_id)
    if slot_id is not None:
        query = query.where(Booking.slot_id == slot_id)
    if start is not None:
        query = query.where(Booking.slot_start_at >= to_utc(start))
    if end is not None:
        query = query.where(Booking.slot_start_at < to_utc(end))
    position = params.after(datetime, uuid.UUID)
    if position is not None:
        created_at, last_id = position
        query = query.where(
            or_(
                Booking.created_at < created_at,
                and_(Booking.created_at == created_at, Booking.id < last_id),
            )
        )
    query = query.order_by(Booking.created_at.desc(), Booking.id.desc()).limit(params.limit + 1)
    return list((await db.execute(query)).scalars())


# ---------------------------------------------------------------- cancel, waitlist, approve


async def _mark_cancelled(
    db: AsyncSession, booking: Booking, *, actor_id: uuid.UUID | None, reason: str | None, now: datetime
) -> None:
    was_waiting = booking.status is BookingStatus.waitlisted
    position = booking.waitlist_position
    booking.status = BookingStatus.cancelled
    booking.waitlist_position = None
    booking.cancelled_at = now
    booking.cancelled_by = actor_id
    booking.cancel_reason = reason
    if booking.hold_id is not None:
        await payments.void(db, booking.hold_id, actor_id=actor_id)
    await db.flush()
    if was_waiting and position is not None:
        await _close_gap(db, booking.slot_id, position)


async def _close_gap(db: AsyncSession, slot_id: uuid.UUID, position: int) -> None:
    """Everyone behind `position` moves up one, so positions stay 1..n without gaps."""
    await db.execute(
        update(Booking)
        .where(
            Booking.slot_id == slot_id,
            Booking.status == BookingStatus.waitlisted,
            Booking.waitlist_position > position,
        )
        .values(waitlist_position=Booking.waitlist_position - 1)
        .execution_options(synchronize_session="fetch")
    )


async def _promote(db: AsyncSession, slot: BookingSlot, service: BookableService, now: datetime) -> int:
    """Fill free places from the head of the waitlist (slot row already locked)."""
    promoted = 0
    while slot.status is SlotStatus.open and slot.booked < slot.capacity and now < slot.start_at:
        waiter = (
            await db.execute(
                select(Booking)
                .where(Booking.slot_id == slot.id, Booking.status == BookingStatus.waitlisted)
                .order_by(Booking.waitlist_position)
                .limit(1)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if waiter is None:
            break
        position = waiter.waitlist_position or 1
        waiter.status = (
            BookingStatus.pending_approval if service.approval_required else BookingStatus.confirmed
        )
        waiter.waitlist_position = None
        waiter.promoted_at = now
        slot.booked += 1
        await db.flush()
        await _close_gap(db, slot.id, position)
        await notify(
            db,
            user_id=waiter.user_id,
            kind="booking.promoted",
            title=f"{service.name}候补成功",
            body=f"{_fmt_local(slot.start_at)}，{service.location}"
            + ("，待工作人员审核" if service.approval_required else "，请按时到场"),
            link=f"/bookings/{waiter.id}",
        )
        promoted += 1
    return promoted


async def _lock_booking(
    db: AsyncSession, who: Principal, booking_id: uuid.UUID
) -> tuple[Booking, BookingSlot]:
    """Find a visible booking and lock its slot, then the booking (the fixed lock order)."""
    found = await get_booking(db, who, booking_id)
    slot = await _lock_slot(db, found.slot_id)
    assert slot is not None
    booking = (
        await db.execute(
            select(Booking)
            .where(Booking.id == booking_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    return booking, slot


async def cancel(db: AsyncSession, who: Principal, booking_id: uuid.UUID, body: CancelIn) -> Booking:
    """Cancel (owner before the cut-off, staff any time); the freed place goes to the first waiter."""
    booking, slot = await _lock_booking(db, who, booking_id)
    if booking.status not in (
        BookingStatus.pending_approval,
        BookingStatus.confirmed,
        BookingStatus.waitlisted,
    ):
        raise InvalidTransition()
    service = await db.get(BookableService, booking.service_id)
    assert service is not None
    now = clock.now()
    as_staff = who.is_staff_of(booking.community_id)
    if not as_staff and booking.status is not BookingStatus.waitlisted:
        cutoff = slot.start_at - timedelta(minutes=service.cancel_before_minutes)
        if now > cutoff:
            raise CancelTooLate(cutoff=_iso(cutoff))
    held_place = booking.status in PLACE_HOLDING
    await _mark_cancelled(db, booking, actor_id=who.id, reason=body.reason, now=now)
    if held_place:
        slot.booked -= 1
        await db.flush()
        await _promote(db, slot, service, now)
    if booking.user_id != who.id:
        await audit.record(
            db,
            actor_id=who.id,
            on_behalf_of=booking.user_id,
            action="bookings.cancelled",
            target_type="booking",
            target_id=booking.id,
            community_id=booking.community_id,
            reason=body.reason,
        )
        await notify(
            db,
            user_id=booking.user_id,
            kind="booking.cancelled",
            title=f"{service.name}预约已取消",
            body=f"{_fmt_local(slot.start_at)}，由工作人员取消" + (f"：{body.reason}" if body.reason else ""),
            link=f"/bookings/{booking.id}",
        )
    return booking


async def approve(db: AsyncSession, who: Principal, booking_id: uuid.UUID) -> Booking:
    """Approve a booking that needs it (staff of its community)."""
    booking = await get_booking(db, who, booking_id)
    if not who.is_staff_of(booking.community_id):
        raise NotFound()
    booking, slot = await _lock_booking(db, who, booking_id)
    if booking.status is not BookingStatus.pending_approval:
        raise InvalidTransition()
    service = await db.get(BookableService, booking.service_id)
    assert service is not None
    booking.status = BookingStatus.confirmed
    booking.approved_by = who.id
    booking.approved_at = clock.now()
    await db.flush()
    await notify(
        db,
        user_id=booking.user_id,
        kind="booking.confirmed",
        title=f"{service.name}预约已通过",
        body=f"{_fmt_local(slot.start_at)}，{service.location}",
        link=f"/bookings/{booking.id}",
    )
    await audit.record(
        db,
        actor_id=who.id,
        on_behalf_of=booking.user_id,
        action="bookings.approved",
        target_type="booking",
        target_id=booking.id,
        community_id=booking.community_id,
    )
    return booking


# ---------------------------------------------------------------- check-in


async def booking_code(db: AsyncSession, who: Principal, booking_id: uuid.UUID) -> Booking:
    return await get_booking(db, who, booking_id)


async def check_in(
    db: AsyncSession, who: Principal, *, booking_id: uuid.UUID | None = None, code: str | None = None
) -> Booking:
    """Staff scan the resident's booking code (or pick the booking by hand) at the door."""
    if code is not None:
        normalized = code.strip().upper().replace("-", "").replace(" ", "")
        found = (
            await db.execute(
                select(Booking.id).where(
                    Booking.code == normalized, Booking.community_id.in_(who.staff_communities)
                )
            )
        ).scalar_one_or_none()
        if found is None:
            raise InvalidBookingCode()
        booking_id = found
    assert booking_id is not None
    booking = await get_booking(db, who, booking_id)
    if not who.is_staff_of(booking.community_id):
        raise NotFound()
    booking = (
        await db.execute(
            select(Booking)
            .where(Booking.id == booking_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if booking.status is not BookingStatus.confirmed:
        raise InvalidTransition(status=booking.status.value)
    now = clock.now()
    opens_at = booking.slot_start_at - timedelta(minutes=get_policy().check_in_opens_minutes)
    if now < opens_at:
        raise CheckInNotOpen(opens_at=_iso(opens_at))
    booking.status = BookingStatus.checked_in
    booking.checked_in_at = now
    booking.checked_in_by = who.id
    if booking.hold_id is not None:
        await payments.post(db, booking.hold_id, actor_id=who.id)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        on_behalf_of=booking.user_id,
        action="bookings.checked_in",
        target_type="booking",
        target_id=booking.id,
        community_id=booking.community_id,
        by_code=code is not None,
    )
    return booking


# ---------------------------------------------------------------- no-shows, suspension, reminders


async def mark_no_shows(db: AsyncSession, now: datetime) -> int:
    """After a slot ends: confirmed → no_show (points posted); unapproved and waitlisted → cancelled."""
    slot_ids = (
        await db.execute(
            select(Booking.slot_id)
            .where(
                Booking.slot_end_at <= now,
                Booking.status.in_(
                    (BookingStatus.confirmed, BookingStatus.pending_approval, BookingStatus.waitlisted)
                ),
            )
            .distinct()
            .limit(500)
        )
    ).scalars()
    changed = 0
    users: set[uuid.UUID] = set()
    for slot_id in sorted(slot_ids):
        slot = (
            await db.execute(
                select(BookingSlot)
                .where(BookingSlot.id == slot_id)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        if slot is None:
            continue  # another worker has it
        rows = (
            await db.execute(
                select(Booking)
                .where(
                    Booking.slot_id == slot_id,
                    Booking.status.in_(
                        (BookingStatus.confirmed, BookingStatus.pending_approval, BookingStatus.waitlisted)
                    ),
                )
                .order_by(Booking.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
        for booking in list(rows):
            if booking.status is BookingStatus.confirmed:
                booking.status = BookingStatus.no_show
                booking.no_show_at = now
                if booking.hold_id is not None:
                    await payments.post(db, booking.hold_id, actor_id=None)
                users.add(booking.user_id)
            else:
                if booking.status is BookingStatus.pending_approval:
                    slot.booked -= 1
                booking.status = BookingStatus.cancelled
                booking.waitlist_position = None
                booking.cancelled_at = now
                booking.cancel_reason = "时段结束，未获审核或候补未递补"
                if booking.hold_id is not None:
                    await payments.void(db, booking.hold_id, actor_id=None)
            changed += 1
        await db.flush()
    for user_id in sorted(users):
        await _maybe_suspend(db, user_id, now)
    return changed


async def _maybe_suspend(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> BookingSuspension | None:
    policy = get_policy()
    if await active_suspension(db, user_id, now) is not None:
        return None
    count = await _recent_no_shows(db, user_id, now)
    if count < policy.no_show_limit:
        return None
    suspension = BookingSuspension(
        user_id=user_id, starts_at=now, ends_at=now + timedelta(days=policy.suspension_days), no_shows=count
    )
    db.add(suspension)
    await db.flush()
    await notify(
        db,
        user_id=user_id,
        kind="booking.suspended",
        title="自助预约已暂停",
        body=f"30 天内爽约 {count} 次，自助预约暂停至 {_fmt_local(suspension.ends_at)}，"
        "如需服务请联系社区工作人员代为预约。",
        link="/bookings/suspension",
    )
    return suspension


async def _recent_no_shows(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    """No-shows within the window that happened after the last suspension began (each counts once)."""
    policy = get_policy()
    since = now - timedelta(days=policy.no_show_window_days)
    last_start = (
        await db.execute(
            select(func.max(BookingSuspension.starts_at)).where(BookingSuspension.user_id == user_id)
        )
    ).scalar_one()
    if last_start is not None and last_start > since:
        since = last_start
    return int(
        (
            await db.execute(
                select(func.count()).where(
                    Booking.user_id == user_id,
                    Booking.status == BookingStatus.no_show,
                    Booking.no_show_at > since,
                )
            )
        ).scalar_one()
    )


@dataclass
class SuspensionView:
    suspended: bool
    until: datetime | None
    no_shows_recent: int
    limit: int
    window_days: int


async def suspension_of(db: AsyncSession, who: Principal) -> SuspensionView:
    now = clock.now()
    policy = get_policy()
    active = await active_suspension(db, who.id, now)
    return SuspensionView(
        suspended=active is not None,
        until=active.ends_at if active else None,
        no_shows_recent=await _recent_no_shows(db, who.id, now),
        limit=policy.no_show_limit,
        window_days=policy.no_show_window_days,
    )


async def send_reminders(db: AsyncSession, now: datetime) -> int:
    """Remind the day before (within 24 h) and the hour before (within 1 h); each at most once."""
    sent = 0
    live = (BookingStatus.confirmed, BookingStatus.pending_approval)
    hour = (
        await db.execute(
            select(Booking)
            .where(
                Booking.status.in_(live),
                Booking.slot_start_at > now,
                Booking.slot_start_at <= now + timedelta(hours=1),
                Booking.reminded_hour_at.is_(None),
            )
            .order_by(Booking.id)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
    ).scalars()
    day = (
        await db.execute(
            select(Booking)
            .where(
                Booking.status.in_(live),
                Booking.slot_start_at > now + timedelta(hours=1),
                Booking.slot_start_at <= now + timedelta(hours=24),
                Booking.reminded_day_at.is_(None),
            )
            .order_by(Booking.id)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
    ).scalars()
    for booking, kind in [*((b, "hour") for b in list(hour)), *((b, "day") for b in list(day))]:
        service = await db.get(BookableService, booking.service_id)
        assert service is not None
        when = _fmt_local(booking.slot_start_at)
        title = f"{service.name}{'即将开始' if kind == 'hour' else '明日提醒'}"
        await notify(
            db,
            user_id=booking.user_id,
            kind="booking.reminder",
            title=title,
            body=f"{when}，{service.location}。请凭预约码 {booking.code} 签到；不能到场请提前取消。",
            link=f"/bookings/{booking.id}",
            data={"when": kind},
        )
        booking.reminded_day_at = booking.reminded_day_at or now
        if kind == "hour":
            booking.reminded_hour_at = now
        sent += 1
    await db.flush()
    return sent


# ---------------------------------------------------------------- provider accounts


def provider_is_merchant(service: BookableService) -> bool:
    return service.provider_kind is ProviderKind.merchant and service.merchant_id is not None
