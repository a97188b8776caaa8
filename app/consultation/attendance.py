"""Attendance at consultation meetings: the rotating door code, residents' scans, staff marking.

The door code is `app.core.rotating_code` — the same mechanism as volunteer check-in — signed with a
key of its own (`derive_key(secret, "meeting-checkin-code")`, label "linli-meeting-checkin"), so an
activity's code is worthless at a meeting and the other way round. Wrong codes are counted per
resident per meeting and per meeting (`verify_counted`): only a code matching nothing stays counted.

A registered resident checks in by scanning, from LINLI_CONSULTATION_CHECKIN_TOLERANCE_MINUTES before
the start until the end. Staff mark anyone by hand: a resident of the community (registered or not),
or an invited party's person by name and party (物业经理, 业委会主任 …). One attendance per user
(unique key): a double scan is 409 `already_checked_in`.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.config import rules
from app.consultation.errors import (
    AlreadyCheckedIn,
    AttendeeRequired,
    CodeExpired,
    CodeInvalid,
    NotAResident,
    NotRegistered,
    OutsideCheckinWindow,
)
from app.consultation.meeting_schemas import AttendanceIn, AttendeeOut, CheckinCodeOut
from app.consultation.meetings import S, attendee_out, checkin_opens, load, require
from app.core import clock, rotating_code
from app.core.errors import _
from app.core.ratelimit import Limiter
from app.identity import service as identity_service
from app.identity.principal import Principal
from app.models.consultation_meetings import AttendanceMethod, Meeting, MeetingAttendance, MeetingRegistration
from app.platform import audit

KEY_PURPOSE = "meeting-checkin-code"
WRONG_CODES_PER_USER = 10
WRONG_CODES_PER_MEETING = 300
WRONG_CODES_WINDOW_SECONDS = 600


def _door() -> rotating_code.RotatingCode:
    config = rules()
    return rotating_code.RotatingCode(
        "linli-meeting-checkin", config.code_rotate_seconds, config.code_grace_seconds
    )


async def checkin_code(db: AsyncSession, who: Principal, meeting_id: uuid.UUID, key: bytes) -> CheckinCodeOut:
    """The code shown at the door (as a QR on the staff's phone or screen; new every minute)."""
    m = await load(db, who, meeting_id, staff=True)
    require(m, S.planned)
    shown = _door().issue(key, m.id, clock.now())
    return CheckinCodeOut(
        code=shown.code,
        expires_at=shown.expires_at,
        valid_until=shown.valid_until,
        rotates_every_seconds=shown.rotates_every_seconds,
    )


async def _insert(db: AsyncSession, attendance: MeetingAttendance) -> MeetingAttendance:
    try:
        async with db.begin_nested():
            db.add(attendance)
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyCheckedIn() from exc
    return attendance


def _open_now(m: Meeting) -> None:
    now = clock.now()
    if not (checkin_opens(m, rules().checkin_tolerance_minutes) <= now <= m.ends_at):
        raise OutsideCheckinWindow()


async def check_in(
    db: AsyncSession, who: Principal, limiter: Limiter, meeting_id: uuid.UUID, code: str, key: bytes
) -> AttendeeOut:
    """A registered resident scans the door code."""
    m = await load(db, who, meeting_id)
    if who.community_id != m.community_id:
        raise NotAResident()
    require(m, S.planned)
    registered = await db.get(MeetingRegistration, (m.id, who.id))
    if registered is None:
        raise NotRegistered()
    now = clock.now()
    keys = [
        (f"meeting-checkin:{m.id}:{who.id}", WRONG_CODES_PER_USER, WRONG_CODES_WINDOW_SECONDS),
        (f"meeting-checkin:{m.id}", WRONG_CODES_PER_MEETING, WRONG_CODES_WINDOW_SECONDS),
    ]
    door = _door()
    try:
        await rotating_code.verify_counted(
            limiter,
            keys,
            _("签到码错误次数过多，请稍后再试", "Too many wrong codes; try again later"),
            lambda: door.verify(key, m.id, code, now),
        )
    except rotating_code.CodeInvalid as exc:
        raise CodeInvalid() from exc
    except rotating_code.CodeExpired as exc:
        raise CodeExpired() from exc
    _open_now(m)
    attendance = await _insert(
        db,
        MeetingAttendance(
            meeting_id=m.id,
            user_id=who.id,
            name=who.user.name or "居民",
            method=AttendanceMethod.qr,
            checked_in_at=now,
        ),
    )
    return attendee_out(attendance)


async def mark(db: AsyncSession, who: Principal, meeting_id: uuid.UUID, body: AttendanceIn) -> AttendeeOut:
    """Staff mark someone present (a resident without a phone, an invited party's person); audited."""
    m = await load(db, who, meeting_id, staff=True)
    require(m, S.planned)
    _open_now(m)
    if body.user_id is not None:
        user = await identity_service.get_user(db, body.user_id)
        if user.community_id != m.community_id:
            raise NotAResident()
        name = user.name or "居民"
    elif body.name is not None and body.party is not None:
        name = body.name
    else:
        raise AttendeeRequired()
    attendance = await _insert(
        db,
        MeetingAttendance(
            meeting_id=m.id,
            user_id=body.user_id,
            name=name,
            party=body.party.value if body.party else None,
            method=AttendanceMethod.staff,
            checked_in_at=clock.now(),
            recorded_by=who.id,
        ),
    )
    await audit.record(
        db,
        actor_id=who.id,
        action="meeting.attendance",
        target_type="meeting",
        target_id=m.id,
        community_id=m.community_id,
        on_behalf_of=body.user_id,
    )
    return attendee_out(attendance)
