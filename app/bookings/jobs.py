"""Periodic work of bookings: mark no-shows after slots end (爽约), and remind residents before they start."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import payments
from app.bookings.booking import LIVE, lock_slot
from app.bookings.config import rules
from app.bookings.rules import local, maybe_suspend
from app.core.periodic import periodic
from app.models.bookings import BookableService, Booking, BookingStatus
from app.notifications.service import notify


@periodic("bookings.mark_no_shows", "*/5 * * * *")
async def mark_no_shows(db: AsyncSession, now: datetime) -> int:
    """After a slot ends: confirmed → no_show (points posted); unapproved and waitlisted → cancelled."""
    slot_ids = (
        await db.execute(
            select(Booking.slot_id)
            .where(Booking.slot_end_at <= now, Booking.status.in_(LIVE))
            .distinct()
            .limit(500)
        )
    ).scalars()
    changed = 0
    users: set[uuid.UUID] = set()
    for slot_id in sorted(slot_ids):
        slot = await lock_slot(db, slot_id, skip_locked=True)
        if slot is None:
            continue  # another worker has it
        rows = (
            await db.execute(
                select(Booking)
                .where(Booking.slot_id == slot_id, Booking.status.in_(LIVE))
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
        await maybe_suspend(db, user_id, now)
    return changed


async def _due(db: AsyncSession, *, after: datetime, until: datetime, stamp: str) -> list[Booking]:
    """Live bookings starting in (after, until] not yet reminded (`stamp` is the column), claimed."""
    column = getattr(Booking, stamp)
    return list(
        (
            await db.execute(
                select(Booking)
                .where(
                    Booking.status.in_((BookingStatus.confirmed, BookingStatus.pending_approval)),
                    Booking.slot_start_at > after,
                    Booking.slot_start_at <= until,
                    column.is_(None),
                )
                .order_by(Booking.id)
                .limit(500)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )


@periodic("bookings.send_reminders", "* * * * *")
async def send_reminders(db: AsyncSession, now: datetime) -> int:
    """Remind the day before and shortly before (LINLI_BOOKINGS_REMIND_*); each at most once."""
    soon = now + timedelta(minutes=rules().remind_soon_minutes)
    hour = await _due(db, after=now, until=soon, stamp="reminded_hour_at")
    day = await _due(
        db, after=soon, until=now + timedelta(hours=rules().remind_day_hours), stamp="reminded_day_at"
    )
    sent = 0
    for booking, kind in [*((b, "hour") for b in hour), *((b, "day") for b in day)]:
        service = await db.get(BookableService, booking.service_id)
        assert service is not None
        title = f"{service.name}{'即将开始' if kind == 'hour' else '明日提醒'}"
        await notify(
            db,
            user_id=booking.user_id,
            kind="booking.reminder",
            title=title,
            body=f"{local(booking.slot_start_at)}，{service.location}。"
            f"请凭预约码 {booking.code} 签到；不能到场请提前取消。",
            link=f"/bookings/{booking.id}",
            data={"when": kind},
        )
        booking.reminded_day_at = booking.reminded_day_at or now
        if kind == "hour":
            booking.reminded_hour_at = now
        sent += 1
    await db.flush()
    return sent
