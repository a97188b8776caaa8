"""HTTP routes of social organisations, project calls and applications (selection and delivery: see
`routes_delivery.py`, included at the end)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Staff
from app.models.projects import ApplicationStatus, CallStatus, OrganisationKind, OrganisationStatus
from app.platform.idempotency import IdempotencyDep
from app.projects import applications, calls, organisations, router_delivery, router_selection
from app.projects.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    CallIn,
    CallOut,
    HoursOut,
    LinkIn,
    MemberIn,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    OrganisationSummary,
)

router = APIRouter()
OrgId = Annotated[uuid.UUID, Path(description="Organisation id")]
CallId = Annotated[uuid.UUID, Path(description="Project call id")]
ApplicationId = Annotated[uuid.UUID, Path(description="Project application id")]
ORGS: list[str | Any] = ["organisations (社会组织)"]
CALLS: list[str | Any] = ["project calls (项目征集)"]


# ---------------------------------------------------------------- organisations


@router.get("/organisations", response_model=Page[OrganisationSummary], tags=ORGS)
async def list_organisations(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    kind: OrganisationKind | None = None,
    status: OrganisationStatus | None = None,
) -> Page[OrganisationSummary]:
    """Organisations of the caller's community (staff: of every community they serve), newest first."""
    return await organisations.list_organisations(db, who, page, kind=kind, status=status)


@router.post("/organisations", response_model=OrganisationOut, status_code=201, tags=ORGS)
async def create_organisation(body: OrganisationIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Register a social organisation, volunteer team or hobby group (staff)."""
    return await idem.run(
        str(who.id),
        OrganisationOut,
        lambda: organisations.create_organisation(db, who, body),
        status_code=201,
    )


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut, tags=ORGS)
async def get_organisation(organisation_id: OrgId, who: CurrentUser, db: DB) -> OrganisationOut:
    """Profile: members, services, projects, this year's volunteer hours (public: no phone numbers)."""
    return await organisations.get_organisation(db, who, organisation_id)


@router.patch("/organisations/{organisation_id}", response_model=OrganisationOut, tags=ORGS)
async def update_organisation(
    organisation_id: OrgId, body: OrganisationPatch, who: Staff, db: DB
) -> OrganisationOut:
    """Change the profile, status or credit code (staff)."""
    return await organisations.update_organisation(db, who, organisation_id, body)


@router.get("/organisations/{organisation_id}/hours", response_model=HoursOut, tags=ORGS)
async def organisation_hours(
    organisation_id: OrgId,
    who: CurrentUser,
    db: DB,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HoursOut:
    """Volunteer hours of a year: the ledger's sum over the activities the organisation organised."""
    return await organisations.hours(db, who, organisation_id, year)


@router.post("/organisations/{organisation_id}/members", response_model=OrganisationOut, tags=ORGS)
async def add_member(organisation_id: OrgId, body: MemberIn, who: Staff, db: DB) -> OrganisationOut:
    """Add a resident of the community as a member (or as the leader when there is none)."""
    return await organisations.add_member(db, who, organisation_id, body)


@router.delete(
    "/organisations/{organisation_id}/members/{user_id}", response_model=OrganisationOut, tags=ORGS
)
async def remove_member(organisation_id: OrgId, user_id: uuid.UUID, who: Staff, db: DB) -> OrganisationOut:
    """Remove a member (name a new leader before removing the leader)."""
    return await organisations.remove_member(db, who, organisation_id, user_id)


@router.post("/organisations/{organisation_id}/leader", response_model=OrganisationOut, tags=ORGS)
async def set_leader(organisation_id: OrgId, body: MemberIn, who: Staff, db: DB) -> OrganisationOut:
    """Make a resident the leader; the previous leader stays a member."""
    return await organisations.set_leader(db, who, organisation_id, body.user_id)


@router.post("/organisations/{organisation_id}/services", response_model=OrganisationOut, tags=ORGS)
async def link_service(organisation_id: OrgId, body: LinkIn, who: Staff, db: DB) -> OrganisationOut:
    """Link a bookings service the organisation provides (provider kind social_org)."""
    return await organisations.link_service(db, who, organisation_id, body.target_id)


@router.post("/organisations/{organisation_id}/activities", response_model=OrganisationOut, tags=ORGS)
async def link_activity(organisation_id: OrgId, body: LinkIn, who: Staff, db: DB) -> OrganisationOut:
    """Record the organisation as the organiser of a volunteer activity (its hours count for the team)."""
    return await organisations.link_activity(db, who, organisation_id, body.target_id)


# ---------------------------------------------------------------- calls


@router.get("/project-calls", response_model=Page[CallOut], tags=CALLS)
async def list_calls(
    who: CurrentUser, db: DB, page: Pagination, status: CallStatus | None = None
) -> Page[CallOut]:
    """Calls, newest first: residents see their community's published ones, staff all of theirs."""
    return await calls.list_calls(db, who, page, status=status)


@router.post("/project-calls", response_model=CallOut, status_code=201, tags=CALLS)
async def create_call(body: CallIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Open a call (民生微实事 / 微公益创投) with a budget cap in fen, criteria and phase dates (staff)."""
    return await idem.run(str(who.id), CallOut, lambda: calls.create_call(db, who, body), status_code=201)


@router.get("/project-calls/{call_id}", response_model=CallOut, tags=CALLS)
async def get_call(call_id: CallId, who: CurrentUser, db: DB) -> CallOut:
    """One call with its phase, criteria and the caller's picks."""
    return await calls.get_call(db, who, call_id)


@router.post("/project-calls/{call_id}/publish", response_model=CallOut, tags=CALLS)
async def publish_call(call_id: CallId, who: Staff, db: DB) -> CallOut:
    """Publish a draft call (staff)."""
    return await calls.publish_call(db, who, call_id)


@router.get("/project-calls/{call_id}/applications", response_model=Page[ApplicationOut], tags=CALLS)
async def list_applications(
    call_id: CallId, who: CurrentUser, db: DB, page: Pagination, status: ApplicationStatus | None = None
) -> Page[ApplicationOut]:
    """The call's applications the caller may see (staff: all; residents: eligible ones and their own)."""
    return await applications.list_applications(db, who, call_id, page, status=status)


@router.post(
    "/project-calls/{call_id}/applications", response_model=ApplicationOut, status_code=201, tags=CALLS
)
async def create_application(
    call_id: CallId, body: ApplicationIn, who: CurrentUser, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Start a draft application (a resident, or an organisation's leader) while the call accepts them."""
    return await idem.run(
        str(who.id),
        ApplicationOut,
        lambda: applications.create_application(db, who, call_id, body),
        status_code=201,
    )


@router.get("/project-applications/{application_id}", response_model=ApplicationOut, tags=CALLS)
async def get_application(application_id: ApplicationId, who: CurrentUser, db: DB) -> ApplicationOut:
    """One application: plan, budget lines, milestones, status."""
    return await applications.get_application(db, who, application_id)


@router.patch("/project-applications/{application_id}", response_model=ApplicationOut, tags=CALLS)
async def update_application(
    application_id: ApplicationId, body: ApplicationPatch, who: CurrentUser, db: DB
) -> ApplicationOut:
    """Edit a draft until the deadline (the applicant)."""
    return await applications.update_application(db, who, application_id, body)


@router.post("/project-applications/{application_id}/submit", response_model=ApplicationOut, tags=CALLS)
async def submit_application(application_id: ApplicationId, who: CurrentUser, db: DB) -> ApplicationOut:
    """Submit a complete draft before the deadline (the applicant)."""
    return await applications.submit(db, who, application_id)


@router.post("/project-applications/{application_id}/withdraw", response_model=ApplicationOut, tags=CALLS)
async def withdraw_application(application_id: ApplicationId, who: CurrentUser, db: DB) -> ApplicationOut:
    """Withdraw an application before funding (the applicant)."""
    return await applications.withdraw(db, who, application_id)


router.include_router(router_selection.router)
router.include_router(router_delivery.router)
