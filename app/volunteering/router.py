"""HTTP routes of the volunteering domain: activities (志愿活动) and mutual aid (互助)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.core.ratelimit import Limiter
from app.core.security import derive_key
from app.identity.deps import CurrentUser, Staff
from app.models.volunteering import ActivityStatus, HelpStatus
from app.platform.idempotency import IdempotencyDep
from app.volunteering import attendance as checkins
from app.volunteering import backfill, mutual_aid, settlement
from app.volunteering import service as activities
from app.volunteering.schemas import (
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    AttendanceIn,
    BackfillIn,
    BackfillOut,
    CancelIn,
    CheckinCodeOut,
    CodeIn,
    DisputeIn,
    HelpIn,
    HelpOut,
    SettlementOut,
    SignupOut,
    VolunteerOut,
)

router = APIRouter()

ActivityId = Annotated[uuid.UUID, Path(description="Activity id")]
HelpId = Annotated[uuid.UUID, Path(description="Mutual-aid request id")]


def _secret(request: Request) -> bytes:
    # A key of its own, derived from the secret: check-in codes never use the JWT signing key itself.
    return derive_key(request.app.state.settings.resolved_jwt_secret(), "checkin-code")


def _limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


@router.get("/activities", response_model=Page[ActivityOut], tags=["activities"])
async def list_activities(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: Annotated[ActivityStatus | None, Query()] = None,
    upcoming: Annotated[bool, Query(description="Only activities that have not ended")] = False,
) -> Page[ActivityOut]:
    """Volunteer activities: staff see their communities'; residents the published ones (志愿清单)."""
    return await activities.list_activities(db, who, page, status=status, upcoming=upcoming)


@router.post("/activities", response_model=ActivityOut, status_code=201, tags=["activities"])
async def create_activity(body: ActivityIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Create an activity as a draft (staff)."""
    return await idem.run(str(who.id), ActivityOut, lambda: activities.create_activity(db, who, body))


@router.post("/activities/backfill", response_model=BackfillOut, status_code=201, tags=["activities"])
async def backfill_activity(body: BackfillIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Record a past activity and its paper sign-in sheet (补录, staff; audited); then settle it."""
    return await idem.run(str(who.id), BackfillOut, lambda: backfill.record_past_activity(db, who, body))


@router.get("/activities/{activity_id}", response_model=ActivityOut, tags=["activities"])
async def get_activity(activity_id: ActivityId, who: CurrentUser, db: DB) -> ActivityOut:
    """One activity, with places left and my sign-up."""
    return await activities.get_activity(db, who, activity_id)


@router.patch("/activities/{activity_id}", response_model=ActivityOut, tags=["activities"])
async def update_activity(activity_id: ActivityId, body: ActivityPatch, who: Staff, db: DB) -> ActivityOut:
    """Edit a draft or published activity (staff)."""
    return await activities.update_activity(db, who, activity_id, body)


@router.post("/activities/{activity_id}/publish", response_model=ActivityOut, tags=["activities"])
async def publish(activity_id: ActivityId, who: Staff, db: DB) -> ActivityOut:
    """Publish a draft so residents can sign up (发布)."""
    return await activities.publish(db, who, activity_id)


@router.post("/activities/{activity_id}/cancel", response_model=ActivityOut, tags=["activities"])
async def cancel(activity_id: ActivityId, who: Staff, db: DB, body: CancelIn | None = None) -> ActivityOut:
    """Cancel an activity; signed-up volunteers are notified."""
    return await activities.cancel(db, who, activity_id, body.reason if body else "")


@router.post("/activities/{activity_id}/finish", response_model=ActivityOut, tags=["activities"])
async def finish(activity_id: ActivityId, who: Staff, db: DB) -> ActivityOut:
    """Mark an activity as held (after it started); it can then be settled."""
    return await activities.finish(db, who, activity_id)


@router.get("/activities/{activity_id}/signups", response_model=list[VolunteerOut], tags=["activities"])
async def volunteers(activity_id: ActivityId, who: Staff, db: DB) -> list[VolunteerOut]:
    """Volunteers signed up, with attendance (staff)."""
    return await activities.volunteers(db, who, activity_id)


@router.post(
    "/activities/{activity_id}/signups", response_model=SignupOut, status_code=201, tags=["activities"]
)
async def sign_up(activity_id: ActivityId, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Sign up for an activity (报名); 409 activity_full or signup_closed."""
    return await idem.run(str(who.id), SignupOut, lambda: activities.sign_up(db, who, activity_id))


@router.delete("/activities/{activity_id}/signups/me", response_model=SignupOut, tags=["activities"])
async def withdraw(activity_id: ActivityId, who: CurrentUser, db: DB) -> SignupOut:
    """Withdraw my sign-up before the activity starts (取消报名)."""
    return await activities.withdraw(db, who, activity_id)


@router.get("/activities/{activity_id}/checkin-code", response_model=CheckinCodeOut, tags=["activities"])
async def checkin_code(activity_id: ActivityId, who: Staff, db: DB, request: Request) -> CheckinCodeOut:
    """The organiser's rotating check-in code (new every 60 s; show it as a QR)."""
    return await checkins.checkin_code(db, who, activity_id, _secret(request))


@router.post("/activities/{activity_id}/check-in", response_model=SignupOut, tags=["activities"])
async def check_in(
    activity_id: ActivityId, body: CodeIn, who: CurrentUser, db: DB, request: Request
) -> SignupOut:
    """Check in by scanning the organiser's code (签到)."""
    return await checkins.check_in(db, who, _limiter(request), activity_id, body.code, _secret(request))


@router.post("/activities/{activity_id}/check-out", response_model=SignupOut, tags=["activities"])
async def check_out(
    activity_id: ActivityId, body: CodeIn, who: CurrentUser, db: DB, request: Request
) -> SignupOut:
    """Check out by scanning the organiser's code (签退)."""
    return await checkins.check_out(db, who, _limiter(request), activity_id, body.code, _secret(request))


@router.post("/activities/{activity_id}/attendance", response_model=SignupOut, tags=["activities"])
async def attendance(activity_id: ActivityId, body: AttendanceIn, who: Staff, db: DB) -> SignupOut:
    """Record a volunteer's attendance by hand (staff; audited)."""
    return await checkins.record_attendance(db, who, activity_id, body)


@router.post("/activities/{activity_id}/settle", response_model=SettlementOut, tags=["activities"])
async def settle(activity_id: ActivityId, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Credit every attendee's minutes and points, once (结算)."""
    return await idem.run(
        str(who.id), SettlementOut, lambda: settlement.settle(db, who, activity_id), status_code=200
    )


# ---------------------------------------------------------------------------------------- mutual aid


@router.get("/mutual-aid", response_model=Page[HelpOut], tags=["mutual aid"])
async def list_help(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: Annotated[HelpStatus | None, Query()] = None,
    mine: Annotated[bool, Query(description="Only requests I posted or took")] = False,
    disputed: Annotated[bool, Query(description="Only disputed requests")] = False,
) -> Page[HelpOut]:
    """Mutual-aid requests of my community (互助); staff see all of theirs."""
    return await mutual_aid.list_requests(db, who, page, status=status, mine=mine, disputed=disputed)


@router.post("/mutual-aid", response_model=HelpOut, status_code=201, tags=["mutual aid"])
async def post_help(body: HelpIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Ask neighbours for help, offering time-bank minutes."""
    return await idem.run(str(who.id), HelpOut, lambda: mutual_aid.post_request(db, who, body))


@router.get("/mutual-aid/{help_id}", response_model=HelpOut, tags=["mutual aid"])
async def get_help(help_id: HelpId, who: CurrentUser, db: DB) -> HelpOut:
    """One mutual-aid request."""
    return await mutual_aid.get_request(db, who, help_id)


@router.post("/mutual-aid/{help_id}/take", response_model=HelpOut, tags=["mutual aid"])
async def take(help_id: HelpId, who: CurrentUser, db: DB) -> HelpOut:
    """Offer to help: the request is mine to do (接单)."""
    return await mutual_aid.take(db, who, help_id)


@router.post("/mutual-aid/{help_id}/complete", response_model=HelpOut, tags=["mutual aid"])
async def complete(help_id: HelpId, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """The requester confirms the help; the minutes move to the helper."""
    return await idem.run(
        str(who.id), HelpOut, lambda: mutual_aid.complete(db, who, help_id), status_code=200
    )


@router.post("/mutual-aid/{help_id}/cancel", response_model=HelpOut, tags=["mutual aid"])
async def cancel_help(help_id: HelpId, who: CurrentUser, db: DB) -> HelpOut:
    """Withdraw a request nobody has taken yet."""
    return await mutual_aid.cancel(db, who, help_id)


@router.post("/mutual-aid/{help_id}/dispute", response_model=HelpOut, tags=["mutual aid"])
async def dispute(help_id: HelpId, body: DisputeIn, who: CurrentUser, db: DB) -> HelpOut:
    """Flag a taken or completed request to community staff (申诉)."""
    return await mutual_aid.dispute(db, who, help_id, body.reason)
