"""Booking a slot (预约), cancelling, the waitlist (候补), approval and check-in (签到).

Concurrency: every change to a slot's places happens with the slot row locked (`SELECT … FOR UPDATE`),
so confirmations, waitlist positions and promotions are serialised per slot; `booked <= capacity` is
also a CHECK constraint. A resident's bookings are serialised by a transaction-level advisory lock on
their id (taken before the slot lock), so parallel bookings cannot slip past a quota. Lock order is
always: resident → slot → booking → ledger accounts.

Public functions return `BookingOut`; the `lock_*` and `mark_cancelled` helpers serve the catalogue
(cancelling a slot) and the jobs.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import payments
from app.bookings import rules as booking_rules
from app.bookings.config import rules
from app.bookings.errors import (
    AlreadyBooked,
    BookingNotFound,
    CancelTooLate,
    CheckInNotOpen,
    InvalidBookingCode,
    ResidentNotFound,
    ServiceInactive,
    SlotFull,
    SlotNotFound,
    SlotNotOpen,
)
from app.bookings.rules import iso, local
from app.bookings.schemas import BookingIn, BookingOut, CancelIn
from app.core import clock
from app.core.errors import InvalidTransition, NotFound
from app.core.pagination import Page, PageParams, page_of
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.bookings import (
    ACTIVE,
    PLACE_HOLDING,
    BookableService,
    Booking,
    BookingSlot,
    BookingStatus,
    SlotStatus,
)
from app.notifications.service import notify
from app.platform import audit

# Bookings a slot's cancellation (or the end of the slot) still has to deal with.
LIVE = (BookingStatus.pending_approval, BookingStatus.confirmed, BookingStatus.waitlisted)


# ---------------------------------------------------------------- locks


async def lock_slot(db: AsyncSession, slot_id: uuid.UUID, *, skip_locked: bool = False) -> BookingSlot | None:
    return (
        await db.execute(
            select(BookingSlot)
            .where(BookingSlot.id == slot_id)
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def _lock_row(db: AsyncSession, booking_id: uuid.UUID) -> Booking:
    return (
        await db.execute(
            select(Booking)
            .where(Booking.id == booking_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


def _visible(who: Principal) -> Any:
    return or_(Booking.user_id == who.id, Booking.community_id.in_(who.staff_communities))


async def _visible_booking(db: AsyncSession, who: Principal, booking_id: uuid.UUID) -> Booking:
    booking = (
        await db.execute(select(Booking).where(Booking.id == booking_id, _visible(who)))
    ).scalar_one_or_none()
    if booking is None:
        raise BookingNotFound()
    return booking


async def _lock_booking(
    db: AsyncSession, who: Principal, booking_id: uuid.UUID, *, staff: bool = False
) -> tuple[Booking, BookingSlot]:
    """Find a visible booking (staff's only, if `staff`) and lock its slot, then the booking."""
    found = await _visible_booking(db, who, booking_id)
    if staff and not who.is_staff_of(found.community_id):
        raise BookingNotFound()
    slot = await lock_slot(db, found.slot_id)
    assert slot is not None
    return await _lock_row(db, booking_id), slot


async def _service(db: AsyncSession, service_id: uuid.UUID) -> BookableService:
    service = await db.get(BookableService, service_id)
    assert service is not None
    return service


async def _audit(db: AsyncSession, who: Principal, booking: Booking, action: str, **details: object) -> None:
    """An audit entry for a booking changed by `who` for its resident (代预约, staff cancel, approve, check-in)."""
    await audit.record(
        db,
        actor_id=who.id,
        on_behalf_of=booking.user_id,
        action=f"bookings.{action}",
        target_type="booking",
        target_id=booking.id,
        community_id=booking.community_id,
        **details,
    )


# ---------------------------------------------------------------- booking


async def book(db: AsyncSession, who: Principal, body: BookingIn) -> BookingOut:
    """Book a slot: confirmed while places remain, else waitlisted (if allowed), else 409 slot_full."""
    now = clock.now()
    on_behalf = body.on_behalf_of is not None and body.on_behalf_of != who.id
    slot = await db.get(BookingSlot, body.slot_id)
    if slot is None:
        raise SlotNotFound()
    service = await _service(db, slot.service_id)
    if body.on_behalf_of is not None and on_behalf:
        try:
            resident = await identity.get_user(db, body.on_behalf_of)
        except NotFound:
            raise ResidentNotFound() from None
        if not (resident.is_active and who.is_staff_of(resident.community_id)):
            raise ResidentNotFound()
        if not who.is_staff_of(slot.community_id):
            raise SlotNotFound()
    else:
        resident = who.user
        if not service.active and not who.is_staff_of(service.community_id):
            raise SlotNotFound()
        await booking_rules.check_not_suspended(db, who.id, now)
    if not service.active:
        raise ServiceInactive()
    booking_rules.check_eligible(service, resident, slot)

    await booking_rules.lock_resident(db, resident.id)
    locked = await lock_slot(db, slot.id)
    assert locked is not None
    slot = locked
    if slot.status is not SlotStatus.open:
        raise SlotNotOpen()
    booking_rules.check_window(service, slot, now)
    existing = (
        await db.execute(
            select(Booking.id).where(
                Booking.slot_id == slot.id, Booking.user_id == resident.id, Booking.status.in_(ACTIVE)
            )
        )
    ).first()
    if existing is not None:
        raise AlreadyBooked(booking_id=str(existing[0]))
    await booking_rules.check_quota(db, service, resident.id, slot)

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
        code=booking_rules.new_code(),
        points=service.points_price,
    )
    if service.points_price > 0:
        booking.hold_id = await payments.hold(
            db,
            service=service,
            user_id=resident.id,
            amount=service.points_price,
            reference=f"booking:{booking.id}",
            expires_at=slot.end_at + timedelta(days=rules().hold_grace_days),
            actor_id=who.id,
        )
    db.add(booking)
    await db.flush()
    await _tell(db, booking, service, slot)
    if on_behalf:
        await _audit(db, who, booking, "booked_on_behalf", status=status.value)
    return BookingOut.model_validate(booking)


async def _tell(db: AsyncSession, booking: Booking, service: BookableService, slot: BookingSlot) -> None:
    when = local(slot.start_at)
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


async def get_booking(db: AsyncSession, who: Principal, booking_id: uuid.UUID) -> BookingOut:
    return BookingOut.model_validate(await _visible_booking(db, who, booking_id))


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
) -> Page[BookingOut]:
    """Own bookings; staff see their communities' (filtered) unless `mine`. Newest first."""
    position = params.after(datetime, uuid.UUID)
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
        query = query.where(Booking.slot_start_at >= clock.as_utc(start))
    if end is not None:
        query = query.where(Booking.slot_start_at < clock.as_utc(end))
    if position is not None:
        created_at, last_id = position
        query = query.where(
            or_(
                Booking.created_at < created_at,
                and_(Booking.created_at == created_at, Booking.id < last_id),
            )
        )
    query = query.order_by(Booking.created_at.desc(), Booking.id.desc()).limit(params.limit + 1)
    rows = list((await db.execute(query)).scalars())
    page = page_of(rows, params, lambda b: [b.created_at.isoformat(), str(b.id)])
    return Page[BookingOut](
        items=[BookingOut.model_validate(b) for b in page.items], next_cursor=page.next_cursor
    )


# ---------------------------------------------------------------- cancel, waitlist, approve


async def mark_cancelled(
    db: AsyncSession, booking: Booking, *, actor_id: uuid.UUID | None, reason: str | None, now: datetime
) -> None:
    """Cancel one booking (slot and booking rows locked): its hold is voided, the waitlist closes up."""
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
            body=f"{local(slot.start_at)}，{service.location}"
            + ("，待工作人员审核" if service.approval_required else "，请按时到场"),
            link=f"/bookings/{waiter.id}",
        )
        promoted += 1
    return promoted


async def cancel(db: AsyncSession, who: Principal, booking_id: uuid.UUID, body: CancelIn) -> BookingOut:
    """Cancel (owner before the cut-off, staff any time); the freed place goes to the first waiter."""
    booking, slot = await _lock_booking(db, who, booking_id)
    if booking.status not in LIVE:
        raise InvalidTransition()
    service = await _service(db, booking.service_id)
    now = clock.now()
    as_staff = who.is_staff_of(booking.community_id)
    if not as_staff and booking.status is not BookingStatus.waitlisted:
        cutoff = slot.start_at - timedelta(minutes=service.cancel_before_minutes)
        if now > cutoff:
            raise CancelTooLate(cutoff=iso(cutoff))
    held_place = booking.status in PLACE_HOLDING
    await mark_cancelled(db, booking, actor_id=who.id, reason=body.reason, now=now)
    if held_place:
        slot.booked -= 1
        await db.flush()
        await _promote(db, slot, service, now)
    if booking.user_id != who.id:
        await _audit(db, who, booking, "cancelled", reason=body.reason)
        await notify(
            db,
            user_id=booking.user_id,
            kind="booking.cancelled",
            title=f"{service.name}预约已取消",
            body=f"{local(slot.start_at)}，由工作人员取消" + (f"：{body.reason}" if body.reason else ""),
            link=f"/bookings/{booking.id}",
        )
    return BookingOut.model_validate(booking)


async def approve(db: AsyncSession, who: Principal, booking_id: uuid.UUID) -> BookingOut:
    """Approve a booking that needs it (staff of its community)."""
    booking, slot = await _lock_booking(db, who, booking_id, staff=True)
    if booking.status is not BookingStatus.pending_approval:
        raise InvalidTransition()
    service = await _service(db, booking.service_id)
    booking.status = BookingStatus.confirmed
    booking.approved_by = who.id
    booking.approved_at = clock.now()
    await db.flush()
    await notify(
        db,
        user_id=booking.user_id,
        kind="booking.confirmed",
        title=f"{service.name}预约已通过",
        body=f"{local(slot.start_at)}，{service.location}",
        link=f"/bookings/{booking.id}",
    )
    await _audit(db, who, booking, "approved")
    return BookingOut.model_validate(booking)


# ---------------------------------------------------------------- check-in


async def check_in(
    db: AsyncSession, who: Principal, *, booking_id: uuid.UUID | None = None, code: str | None = None
) -> BookingOut:
    """Staff scan the resident's booking code (or pick the booking by hand) at the door."""
    if code is not None:
        found = (
            await db.execute(
                select(Booking.id).where(
                    Booking.code == booking_rules.normalise_code(code),
                    Booking.community_id.in_(who.staff_communities),
                )
            )
        ).scalar_one_or_none()
        if found is None:
            raise InvalidBookingCode()
        booking_id = found
    assert booking_id is not None
    visible = await _visible_booking(db, who, booking_id)
    if not who.is_staff_of(visible.community_id):
        raise BookingNotFound()
    booking = await _lock_row(db, booking_id)
    if booking.status is not BookingStatus.confirmed:
        raise InvalidTransition(status=booking.status.value)
    now = clock.now()
    opens_at = booking.slot_start_at - timedelta(minutes=rules().check_in_opens_minutes)
    if now < opens_at:
        raise CheckInNotOpen(opens_at=iso(opens_at))
    booking.status = BookingStatus.checked_in
    booking.checked_in_at = now
    booking.checked_in_by = who.id
    if booking.hold_id is not None:
        await payments.post(db, booking.hold_id, actor_id=who.id)
    await db.flush()
    await _audit(db, who, booking, "checked_in", by_code=code is not None)
    return BookingOut.model_validate(booking)
