"""Attendance at volunteer activities (签到/签退): the organiser's rotating code, the volunteer's scans,
and attendance staff record by hand.

Rules chosen where the issue is silent (numbers in `config.py`, LINLI_VOLUNTEERING_*):
- check-in is open from the tolerance before the start until the end; check-out from the start until
  the tolerance after the end; each once;
- the organiser's code changes every `code_rotate_seconds`; the previous one is still accepted for
  `code_grace_seconds` after it rotates (a volunteer scanning at the turn of the minute is not refused);
  a code is an HMAC of the activity id and the time window, so it is worthless for other activities.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, rotating_code
from app.core.errors import NotFound, _
from app.core.ratelimit import Limiter
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.volunteering import Activity, ActivityStatus, Signup, SignupStatus
from app.platform import audit
from app.volunteering.config import rules
from app.volunteering.errors import (
    ActivityInvalidTransition,
    AlreadyCheckedIn,
    AlreadyCheckedOut,
    BadTimes,
    CodeExpired,
    CodeInvalid,
    NotCheckedIn,
    NotSignedUp,
    OutsideWindow,
)
from app.volunteering.schemas import AttendanceIn, CheckinCodeOut, SignupOut
from app.volunteering.service import load, load_staff, signup_of, take_place

# The door code itself is app.core.rotating_code (shared with consultation meetings' attendance).
ATTENDING = (ActivityStatus.published, ActivityStatus.finished)


def _tolerance() -> timedelta:
    return timedelta(minutes=rules().checkin_tolerance_minutes)


def _door() -> rotating_code.RotatingCode:
    config = rules()
    return rotating_code.RotatingCode("linli-checkin", config.code_rotate_seconds, config.code_grace_seconds)


def _window(at: datetime) -> int:
    return _door().window(at)


def _code(key: bytes, activity_id: uuid.UUID, window: int) -> str:
    return _door().code(key, activity_id, window)


async def checkin_code(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, secret: bytes
) -> CheckinCodeOut:
    """The organiser's current code (shown as a QR on their phone; new every minute)."""
    activity = await load_staff(db, who, activity_id)
    if activity.status not in ATTENDING:
        raise ActivityInvalidTransition()
    shown = _door().issue(secret, activity.id, clock.now())
    return CheckinCodeOut(
        code=shown.code,
        expires_at=shown.expires_at,
        valid_until=shown.valid_until,
        rotates_every_seconds=shown.rotates_every_seconds,
    )


def verify_code(secret: bytes, activity_id: uuid.UUID, code: str, now: datetime) -> None:
    """Accept the current code, or the previous one within the grace period; say why otherwise
    (constant work: one HMAC whatever the code, see app.core.rotating_code)."""
    try:
        _door().verify(secret, activity_id, code, now)
    except rotating_code.CodeInvalid as exc:
        raise CodeInvalid() from exc
    except rotating_code.CodeExpired as exc:
        raise CodeExpired() from exc


async def _verify_counted(
    limiter: Limiter, who: Principal, activity: Activity, code: str, secret: bytes, now: datetime
) -> None:
    """Count the attempt first (per volunteer and per activity); only a code matching nothing stays
    counted, so a stale screenshot or a slow scan costs nothing (issue #18)."""
    config = rules()
    keys = [
        (f"checkin:{activity.id}:{who.id}", config.wrong_codes_per_user, config.wrong_codes_window_seconds),
        (f"checkin:{activity.id}", config.wrong_codes_per_activity, config.wrong_codes_window_seconds),
    ]
    door = _door()
    try:
        await rotating_code.verify_counted(
            limiter,
            keys,
            _("签到码错误次数过多，请稍后再试", "Too many wrong codes; try again later"),
            lambda: door.verify(secret, activity.id, code, now),
        )
    except rotating_code.CodeInvalid as exc:
        raise CodeInvalid() from exc
    except rotating_code.CodeExpired as exc:
        raise CodeExpired() from exc


async def _attendee(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> tuple[Activity, Signup]:
    activity = await load(db, who, activity_id)
    if activity.status not in ATTENDING:
        raise ActivityInvalidTransition()
    signup = await signup_of(db, activity.id, who.id, lock=True)
    if signup is None or signup.status is not SignupStatus.signed_up:
        raise NotSignedUp()
    return activity, signup


async def check_in(
    db: AsyncSession, who: Principal, limiter: Limiter, activity_id: uuid.UUID, code: str, secret: bytes
) -> SignupOut:
    activity, signup = await _attendee(db, who, activity_id)
    now = clock.now()
    await _verify_counted(limiter, who, activity, code, secret, now)
    if not (activity.start_at - _tolerance() <= now <= activity.end_at):
        raise OutsideWindow()
    if signup.checked_in_at is not None:
        raise AlreadyCheckedIn()
    signup.checked_in_at = now
    await db.flush()
    return SignupOut.model_validate(signup)


async def check_out(
    db: AsyncSession, who: Principal, limiter: Limiter, activity_id: uuid.UUID, code: str, secret: bytes
) -> SignupOut:
    activity, signup = await _attendee(db, who, activity_id)
    now = clock.now()
    await _verify_counted(limiter, who, activity, code, secret, now)
    if not (activity.start_at <= now <= activity.end_at + _tolerance()):
        raise OutsideWindow()
    if signup.checked_in_at is None:
        raise NotCheckedIn()
    if signup.checked_out_at is not None:
        raise AlreadyCheckedOut()
    signup.checked_out_at = max(now, signup.checked_in_at)
    await db.flush()
    return SignupOut.model_validate(signup)


async def record_attendance(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, body: AttendanceIn
) -> SignupOut:
    """Staff mark attendance by hand (a volunteer without a phone, a forgotten scan); audited."""
    activity = await load_staff(db, who, activity_id, lock=True)
    if activity.status not in ATTENDING:
        raise ActivityInvalidTransition()
    if body.checked_out_at is not None and body.checked_out_at < body.checked_in_at:
        raise BadTimes(_("签退时间不能早于签到时间", "checked_out_at cannot be before checked_in_at"))
    latest = body.checked_out_at or body.checked_in_at
    if body.checked_in_at < activity.start_at - _tolerance() or latest > activity.end_at + _tolerance():
        raise OutsideWindow()
    try:
        user = await identity.get_user(db, body.user_id)
    except NotFound:
        raise NotSignedUp() from None
    if user.community_id != activity.community_id:
        raise NotSignedUp()
    signup = await signup_of(db, activity.id, user.id, lock=True)
    if signup is None or signup.status is not SignupStatus.signed_up:
        signup = take_place(db, activity, user.id, signup)  # a walk-in volunteer, if a place is left
    signup.checked_in_at = body.checked_in_at
    signup.checked_out_at = body.checked_out_at
    signup.attendance_by = who.id
    await audit.record(
        db,
        actor_id=who.id,
        action="activity.attendance",
        target_type="activity",
        target_id=activity.id,
        community_id=activity.community_id,
        on_behalf_of=user.id,
        checked_in_at=body.checked_in_at.isoformat(),
        checked_out_at=body.checked_out_at.isoformat() if body.checked_out_at else None,
    )
    await db.flush()
    return SignupOut.model_validate(signup)
