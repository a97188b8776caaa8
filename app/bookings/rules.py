"""The rules a booking must pass (服务预约规则): who may book a service, when its window is open, quotas,
and the no-show suspension (爽约暂停). Their numbers come from `app.bookings.config` (LINLI_BOOKINGS_*);
a service's own rules (window, quotas, audience) are columns of the service.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings.config import rules
from app.bookings.errors import (
    BookingClosed,
    BookingNotOpenYet,
    BookingSuspended,
    NotEligible,
    QuotaExceeded,
)
from app.bookings.schemas import SuspensionOut
from app.core import clock
from app.core.errors import _
from app.identity.principal import Principal
from app.identity.service import verified_age
from app.models.bookings import ACTIVE, Audience, BookableService, Booking, BookingSlot, BookingStatus
from app.models.bookings import BookingSuspension as Suspension
from app.models.identity import User
from app.notifications.service import notify

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud at a desk
CODE_LENGTH = 8


def new_code() -> str:
    """A booking code (预约码) the resident shows at the door."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def iso(value: datetime) -> str:
    """UTC ISO 8601 with Z, as the API renders times (in error details)."""
    return clock.as_utc(value).isoformat().replace("+00:00", "Z")


def local(value: datetime) -> str:
    """A time as residents read it in a message (Asia/Shanghai)."""
    return clock.local_text(value, clock.SHORT)


# ---------------------------------------------------------------- eligibility, window, quota


def check_eligible(service: BookableService, user: User, slot: BookingSlot) -> None:
    if service.audience is Audience.residents and user.community_id != service.community_id:
        raise NotEligible(_("该服务仅限本社区居民预约", "This service is for residents of its community"))
    if service.audience is Audience.seniors:
        senior = rules().senior_age
        age = verified_age(user, clock.local_day(slot.start_at))  # a self-declared birth date does not count
        if age is None:
            raise NotEligible(
                _(
                    f"该服务仅限 {senior} 岁及以上居民，请先到社区服务中心核验出生日期",
                    f"This service is for residents aged {senior} and over; "
                    "have your birth date verified at the centre",
                ),
                min_age=senior,
                birth_date_verified=False,
            )
        if age < senior:
            raise NotEligible(
                _(
                    f"该服务仅限 {senior} 岁及以上居民预约",
                    f"This service is for residents aged {senior} and over",
                ),
                min_age=senior,
            )


def check_window(service: BookableService, slot: BookingSlot, now: datetime) -> None:
    opens_at = slot.start_at - timedelta(days=service.opens_days_ahead)
    closes_at = slot.start_at - timedelta(minutes=service.closes_minutes_before)
    if now < opens_at:
        raise BookingNotOpenYet(opens_at=iso(opens_at))
    if now > closes_at:
        raise BookingClosed(closed_at=iso(closes_at))


async def check_quota(
    db: AsyncSession, service: BookableService, user_id: uuid.UUID, slot: BookingSlot
) -> None:
    """Per resident and service: at most `quota_per_day` bookings a Shanghai day, `quota_per_week` an ISO week."""
    day = clock.local_day(slot.start_at)
    checks: list[tuple[int, date, date, str]] = []
    if service.quota_per_day is not None:
        checks.append((service.quota_per_day, day, day, "day"))
    if service.quota_per_week is not None:
        monday = day - timedelta(days=day.weekday())
        checks.append((service.quota_per_week, monday, monday + timedelta(days=6), "week"))
    for limit, first, last, period in checks:
        start, end = clock.date_range_bounds(first, last)
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


async def lock_resident(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Serialise one resident's bookings (quota checks) without touching the users table."""
    await db.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"bookings:user:{user_id}"}
    )


# ---------------------------------------------------------------- no-show suspension


async def active_suspension(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> Suspension | None:
    return (
        await db.execute(
            select(Suspension)
            .where(Suspension.user_id == user_id, Suspension.starts_at <= now, Suspension.ends_at > now)
            .order_by(Suspension.ends_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def check_not_suspended(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    suspension = await active_suspension(db, user_id, now)
    if suspension is not None:
        raise BookingSuspended(
            _(
                f"因多次爽约，自助预约暂停至 {local(suspension.ends_at)}",
                f"Self-booking is suspended until {suspension.ends_at.isoformat()}",
            ),
            until=iso(suspension.ends_at),
        )


async def recent_no_shows(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> int:
    """No-shows within the window that happened after the last suspension began (each counts once)."""
    since = now - timedelta(days=rules().no_show_window_days)
    last_start = (
        await db.execute(select(func.max(Suspension.starts_at)).where(Suspension.user_id == user_id))
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


async def maybe_suspend(db: AsyncSession, user_id: uuid.UUID, now: datetime) -> Suspension | None:
    """Suspend self-booking once the resident reaches the no-show limit within the window."""
    policy = rules()
    if await active_suspension(db, user_id, now) is not None:
        return None
    count = await recent_no_shows(db, user_id, now)
    if count < policy.no_show_limit:
        return None
    suspension = Suspension(
        user_id=user_id, starts_at=now, ends_at=now + timedelta(days=policy.suspension_days), no_shows=count
    )
    db.add(suspension)
    await db.flush()
    await notify(
        db,
        user_id=user_id,
        kind="booking.suspended",
        title="自助预约已暂停",
        body=f"{policy.no_show_window_days} 天内爽约 {count} 次，自助预约暂停至 {local(suspension.ends_at)}，"
        "如需服务请联系社区工作人员代为预约。",
        link="/bookings/suspension",
    )
    return suspension


async def suspension_of(db: AsyncSession, who: Principal) -> SuspensionOut:
    now = clock.now()
    policy = rules()
    active = await active_suspension(db, who.id, now)
    return SuspensionOut(
        suspended=active is not None,
        until=active.ends_at if active else None,
        no_shows_recent=await recent_no_shows(db, who.id, now),
        limit=policy.no_show_limit,
        window_days=policy.no_show_window_days,
    )
