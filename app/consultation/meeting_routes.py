"""HTTP routes of consultation meetings (协商议事): plan, register, check in, minutes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from app.consultation import attendance, meetings, minutes
from app.consultation.meeting_schemas import (
    AttendanceIn,
    AttendeeOut,
    CancelIn,
    CheckinCodeOut,
    CheckInIn,
    MeetingIn,
    MeetingOut,
    MeetingSummary,
    MinutesIn,
    RegistrationOut,
    TopicIn,
)
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.core.ratelimit import Limiter
from app.core.security import derive_key
from app.identity.deps import CurrentUser, Staff
from app.models.consultation_meetings import MeetingStatus
from app.platform.idempotency import IdempotencyDep

router = APIRouter()
MeetingId = Annotated[uuid.UUID, Path(description="Meeting id")]
TAGS: list[str | Any] = ["meetings (协商议事)"]


def _key(request: Request) -> bytes:
    # A key of its own: meeting door codes never use the JWT key, nor the activities' check-in key.
    return derive_key(request.app.state.settings.resolved_jwt_secret(), attendance.KEY_PURPOSE)


def _limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


@router.get("/meetings", response_model=Page[MeetingSummary], tags=TAGS)
async def list_meetings(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: MeetingStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[MeetingSummary]:
    """Meetings of your community, latest first."""
    return await meetings.list_meetings(db, who, page, status=status, community_id=community_id)


@router.post("/meetings", response_model=MeetingOut, status_code=201, tags=TAGS)
async def create_meeting(body: MeetingIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Plan a meeting: time, place, invited parties, open seats, quorum, topics (staff)."""
    return await idem.run(
        str(who.id), MeetingOut, lambda: meetings.create_meeting(db, who, body), status_code=201
    )


@router.get("/meetings/{meeting_id}", response_model=MeetingOut, tags=TAGS)
async def get_meeting(meeting_id: MeetingId, who: CurrentUser, db: DB) -> MeetingOut:
    """One meeting: agenda, seats, attendance and, once closed, its minutes."""
    return await meetings.read_meeting(db, who, meeting_id)


@router.post("/meetings/{meeting_id}/topics", response_model=MeetingOut, tags=TAGS)
async def add_topic(meeting_id: MeetingId, body: TopicIn, who: Staff, db: DB) -> MeetingOut:
    """Add a topic to a planned meeting (an accepted proposal, or written by staff)."""
    return await meetings.add_topic(db, who, meeting_id, body)


@router.post("/meetings/{meeting_id}/cancel", response_model=MeetingOut, tags=TAGS)
async def cancel_meeting(meeting_id: MeetingId, body: CancelIn, who: Staff, db: DB) -> MeetingOut:
    """Cancel a planned meeting; its proposals go back onto the agenda."""
    return await meetings.cancel(db, who, meeting_id, body)


@router.post(
    "/meetings/{meeting_id}/registrations", response_model=RegistrationOut, status_code=201, tags=TAGS
)
async def register(meeting_id: MeetingId, who: CurrentUser, db: DB) -> RegistrationOut:
    """Take an open seat (residents of the community; 409 meeting_full)."""
    return await meetings.register(db, who, meeting_id)


@router.delete("/meetings/{meeting_id}/registrations/me", response_model=RegistrationOut, tags=TAGS)
async def unregister(meeting_id: MeetingId, who: CurrentUser, db: DB) -> RegistrationOut:
    """Give your seat back (until the meeting starts)."""
    return await meetings.unregister(db, who, meeting_id)


@router.get("/meetings/{meeting_id}/checkin-code", response_model=CheckinCodeOut, tags=TAGS)
async def checkin_code(meeting_id: MeetingId, who: Staff, db: DB, request: Request) -> CheckinCodeOut:
    """The rotating code shown at the door as a QR (staff; new every minute)."""
    return await attendance.checkin_code(db, who, meeting_id, _key(request))


@router.post("/meetings/{meeting_id}/check-in", response_model=AttendeeOut, status_code=201, tags=TAGS)
async def check_in(
    meeting_id: MeetingId, body: CheckInIn, who: CurrentUser, db: DB, request: Request
) -> AttendeeOut:
    """A registered resident scans the door code."""
    return await attendance.check_in(db, who, _limiter(request), meeting_id, body.code, _key(request))


@router.post("/meetings/{meeting_id}/attendance", response_model=AttendeeOut, status_code=201, tags=TAGS)
async def mark_attendance(meeting_id: MeetingId, body: AttendanceIn, who: Staff, db: DB) -> AttendeeOut:
    """Staff mark someone present: a resident, or an invited party's person by name."""
    return await attendance.mark(db, who, meeting_id, body)


@router.post("/meetings/{meeting_id}/minutes", response_model=MeetingOut, tags=TAGS)
async def write_minutes(meeting_id: MeetingId, body: MinutesIn, who: Staff, db: DB) -> MeetingOut:
    """Close the meeting with its minutes: per topic the summary, outcome and votes; quorum checked."""
    return await minutes.close_with_minutes(db, who, meeting_id, body)
