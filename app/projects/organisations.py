"""Social organisations (社会组织, 志愿服务队, 自乐组织) of a community: profile, members, services, hours.

- The unified social credit code is checked with both of its check characters (`credit_code.py`); a
  registered 社会组织 must have one (also a CHECK in the database), and no two organisations share one.
- Members are residents of the community; at most one is the leader (a partial unique index).
- Services: bookings services whose provider is a social organisation (provider_kind social_org),
  linked to the organisation that provides them (one organisation per service).
- Volunteer hours of a year: the ledger's volunteer_reward minutes (net of reversals) of the
  activities linked to the organisation as their organiser, credited in that Shanghai calendar year
  (`app.ledger.earned.volunteer_minutes`). Nothing is cached: the figure is the ledger's.
- Who sees what: staff of the community see everything; residents of the community see the public
  profile, with member names masked and no phone number at all.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import catalogue as bookings
from app.core import clock
from app.core.errors import NotFound
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_name
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.ledger.earned import volunteer_minutes
from app.models.bookings import ProviderKind
from app.models.identity import User
from app.models.project_delivery import Project
from app.models.projects import (
    MemberRole,
    Organisation,
    OrganisationActivity,
    OrganisationKind,
    OrganisationMember,
    OrganisationService,
    OrganisationStatus,
)
from app.platform import audit
from app.projects import credit_code
from app.projects.errors import (
    AlreadyLinked,
    AlreadyMember,
    CreditCodeRequired,
    CreditCodeTaken,
    InvalidCreditCode,
    LeaderCannotLeave,
    LeaderExists,
    LinkTargetNotFound,
    MemberNotFound,
    NotResidentOfCommunity,
    NotSocialOrgService,
    OrganisationNotFound,
)
from app.projects.schemas import (
    KIND_LABELS,
    STATUS_LABELS,
    HoursOut,
    MemberIn,
    MemberOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    OrganisationSummary,
    ServiceRef,
)
from app.volunteering import service as volunteering

# ---------------------------------------------------------------- scope


def visible(who: Principal) -> Any:
    conds: list[Any] = []
    if who.staff_communities:
        conds.append(Organisation.community_id.in_(who.staff_communities))
    if who.community_id is not None:
        conds.append(Organisation.community_id == who.community_id)
    return or_(*conds) if conds else Organisation.id.is_(None)


async def load(
    db: AsyncSession, who: Principal, organisation_id: uuid.UUID, *, staff: bool = False, lock: bool = False
) -> Organisation:
    query = select(Organisation).where(Organisation.id == organisation_id, visible(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    org = (await db.execute(query)).scalar_one_or_none()
    if org is None or (staff and not who.is_staff_of(org.community_id)):
        raise OrganisationNotFound()
    return org


async def leader_of(db: AsyncSession, organisation_id: uuid.UUID) -> uuid.UUID | None:
    return (
        await db.execute(
            select(OrganisationMember.user_id).where(
                OrganisationMember.organisation_id == organisation_id,
                OrganisationMember.role == MemberRole.leader,
            )
        )
    ).scalar_one_or_none()


# ---------------------------------------------------------------- hours (from the ledger)


def hours_text(minutes: int) -> str:
    tenths = (minutes * 10 + 30) // 60  # round half up, integers only
    return f"{tenths // 10}.{tenths % 10}"


async def minutes_in_year(db: AsyncSession, organisation_id: uuid.UUID, year: int) -> tuple[int, int]:
    """(net volunteer minutes, activities linked) of the organisation in a Shanghai calendar year."""
    activity_ids = list(
        (
            await db.execute(
                select(OrganisationActivity.activity_id).where(
                    OrganisationActivity.organisation_id == organisation_id
                )
            )
        ).scalars()
    )
    start, end = clock.date_range_bounds(date(year, 1, 1), date(year, 12, 31))
    minutes = await volunteer_minutes(db, [f"activity:{a}" for a in activity_ids], start, end)
    return minutes, len(activity_ids)


async def hours(db: AsyncSession, who: Principal, organisation_id: uuid.UUID, year: int | None) -> HoursOut:
    org = await load(db, who, organisation_id)
    year = year or clock.today().year
    minutes, activities = await minutes_in_year(db, org.id, year)
    return HoursOut(
        organisation_id=org.id, year=year, minutes=minutes, hours=hours_text(minutes), activities=activities
    )


# ---------------------------------------------------------------- rendering


async def _counts(db: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await db.execute(
        select(OrganisationMember.organisation_id, func.count())
        .where(OrganisationMember.organisation_id.in_(ids))
        .group_by(OrganisationMember.organisation_id)
    )
    return {r[0]: r[1] for r in rows}


def _summary(org: Organisation, members: int) -> OrganisationSummary:
    return OrganisationSummary(
        id=org.id,
        community_id=org.community_id,
        name=org.name,
        kind=org.kind,
        kind_label=KIND_LABELS[org.kind],
        status=org.status,
        status_label=STATUS_LABELS[org.status],
        member_count=members,
        created_at=org.created_at,
    )


async def render(db: AsyncSession, org: Organisation, viewer: Principal) -> OrganisationOut:
    staff = viewer.is_staff_of(org.community_id)
    rows = (
        await db.execute(
            select(OrganisationMember, User.name)
            .join(User, User.id == OrganisationMember.user_id)
            .where(OrganisationMember.organisation_id == org.id)
            .order_by(OrganisationMember.role, OrganisationMember.joined_on, OrganisationMember.user_id)
        )
    ).all()
    members = [
        MemberOut(
            user_id=m.user_id,
            name=name if staff or m.user_id == viewer.id else mask_name(name),
            role=m.role,
            joined_on=m.joined_on,
        )
        for m, name in rows
    ]
    service_ids = list(
        (
            await db.execute(
                select(OrganisationService.service_id).where(OrganisationService.organisation_id == org.id)
            )
        ).scalars()
    )
    services = []
    for sid in service_ids:
        service = await bookings.get_service(db, viewer, sid)
        services.append(ServiceRef(id=service.id, name=service.name))
    projects = (
        await db.execute(
            select(Project.id, Project.title)
            .where(Project.organisation_id == org.id)
            .order_by(Project.created_at)
        )
    ).all()
    year = clock.today().year
    minutes, _n = await minutes_in_year(db, org.id, year)
    leader = next((m for m in members if m.role is MemberRole.leader), None)
    return OrganisationOut(
        **_summary(org, len(members)).model_dump(),
        credit_code=org.credit_code,
        description=org.description,
        founded_on=org.founded_on,
        contact_name=org.contact_name if staff else mask_name(org.contact_name),
        contact_phone=org.contact_phone if staff else None,
        leader=leader,
        members=members,
        services=services,
        volunteer_year=year,
        volunteer_minutes=minutes,
        volunteer_hours=hours_text(minutes),
        projects=[ServiceRef(id=p.id, name=p.title) for p in projects],
    )


# ---------------------------------------------------------------- reading


async def get_organisation(db: AsyncSession, who: Principal, organisation_id: uuid.UUID) -> OrganisationOut:
    return await render(db, await load(db, who, organisation_id), who)


async def list_organisations(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    kind: OrganisationKind | None = None,
    status: OrganisationStatus | None = None,
) -> Page[OrganisationSummary]:
    """Newest first, of the caller's community (staff: every community they serve)."""
    after = params.after(datetime, uuid.UUID)
    query = select(Organisation).where(visible(who))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    if status is not None:
        query = query.where(Organisation.status == status)
    if after is not None:
        query = query.where((Organisation.created_at, Organisation.id) < after)  # type: ignore[operator]
    rows = list(
        (
            await db.execute(
                query.order_by(Organisation.created_at.desc(), Organisation.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda o: [o.created_at, o.id])
    counts = await _counts(db, [o.id for o in page.items])
    return Page[OrganisationSummary](
        items=[_summary(o, counts.get(o.id, 0)) for o in page.items], next_cursor=page.next_cursor
    )


# ---------------------------------------------------------------- writing


def _check_code(kind: OrganisationKind, status: OrganisationStatus, code: str | None) -> None:
    if code is not None and (why := credit_code.problem(code)) is not None:
        raise InvalidCreditCode(reason=why)
    if kind is OrganisationKind.social_org and status is OrganisationStatus.registered and code is None:
        raise CreditCodeRequired()


async def _flush_unique(db: AsyncSession) -> None:
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError as exc:
        if "credit_code" in str(exc.orig):
            raise CreditCodeTaken() from exc
        raise


async def _resident_of(db: AsyncSession, user_id: uuid.UUID, community_id: uuid.UUID) -> User:
    try:
        user = await identity.get_user(db, user_id)
    except NotFound as exc:  # no such user: to the caller, not a resident here
        raise NotResidentOfCommunity() from exc
    if user.community_id != community_id:
        raise NotResidentOfCommunity()
    return user


async def create_organisation(db: AsyncSession, who: Principal, body: OrganisationIn) -> OrganisationOut:
    community_id = acting_community(who, body.community_id)
    _check_code(body.kind, body.status, body.credit_code)
    org = Organisation(
        id=uuid.uuid4(),
        community_id=community_id,
        name=body.name,
        kind=body.kind,
        status=body.status,
        credit_code=body.credit_code,
        description=body.description,
        founded_on=body.founded_on,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        created_by=who.id,
    )
    db.add(org)
    await _flush_unique(db)
    if body.leader_id is not None:
        await _resident_of(db, body.leader_id, community_id)
        db.add(OrganisationMember(organisation_id=org.id, user_id=body.leader_id, role=MemberRole.leader))
        await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="organisation.create",
        target_type="organisation",
        target_id=org.id,
        community_id=community_id,
    )
    return await render(db, org, who)


async def update_organisation(
    db: AsyncSession, who: Principal, organisation_id: uuid.UUID, body: OrganisationPatch
) -> OrganisationOut:
    org = await load(db, who, organisation_id, staff=True, lock=True)
    changes = body.model_dump(exclude_unset=True)
    for field in ("name", "status", "description", "contact_name"):
        if changes.get(field) is None:
            changes.pop(field, None)  # required columns: null means "leave as is"
    for field, value in changes.items():
        setattr(org, field, value)
    _check_code(org.kind, org.status, org.credit_code)
    org.updated_at = clock.now()
    await _flush_unique(db)
    await audit.record(
        db,
        actor_id=who.id,
        action="organisation.update",
        target_type="organisation",
        target_id=org.id,
        community_id=org.community_id,
        fields=",".join(sorted(changes)),
    )
    return await render(db, org, who)


async def add_member(
    db: AsyncSession, who: Principal, organisation_id: uuid.UUID, body: MemberIn
) -> OrganisationOut:
    org = await load(db, who, organisation_id, staff=True, lock=True)
    await _resident_of(db, body.user_id, org.community_id)
    if body.role is MemberRole.leader and await leader_of(db, org.id) is not None:
        raise LeaderExists()
    try:
        async with db.begin_nested():
            db.add(OrganisationMember(organisation_id=org.id, user_id=body.user_id, role=body.role))
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyMember() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="organisation.member_add",
        target_type="organisation",
        target_id=org.id,
        community_id=org.community_id,
        user_id=str(body.user_id),
        role=body.role.value,
    )
    return await render(db, org, who)


async def _member(db: AsyncSession, organisation_id: uuid.UUID, user_id: uuid.UUID) -> OrganisationMember:
    m = (
        await db.execute(
            select(OrganisationMember).where(
                OrganisationMember.organisation_id == organisation_id, OrganisationMember.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    if m is None:
        raise MemberNotFound()
    return m


async def remove_member(
    db: AsyncSession, who: Principal, organisation_id: uuid.UUID, user_id: uuid.UUID
) -> OrganisationOut:
    org = await load(db, who, organisation_id, staff=True, lock=True)
    m = await _member(db, org.id, user_id)
    if m.role is MemberRole.leader:
        raise LeaderCannotLeave()
    await db.delete(m)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="organisation.member_remove",
        target_type="organisation",
        target_id=org.id,
        community_id=org.community_id,
        user_id=str(user_id),
    )
    return await render(db, org, who)


async def set_leader(
    db: AsyncSession, who: Principal, organisation_id: uuid.UUID, user_id: uuid.UUID
) -> OrganisationOut:
    """Make a member (or a resident, who joins) the leader; the previous leader stays a member."""
    org = await load(db, who, organisation_id, staff=True, lock=True)
    await _resident_of(db, user_id, org.community_id)
    current = await leader_of(db, org.id)
    if current is not None and current != user_id:
        (await _member(db, org.id, current)).role = MemberRole.member
        await db.flush()
    try:
        m = await _member(db, org.id, user_id)
        m.role = MemberRole.leader
    except MemberNotFound:
        db.add(OrganisationMember(organisation_id=org.id, user_id=user_id, role=MemberRole.leader))
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="organisation.leader",
        target_type="organisation",
        target_id=org.id,
        community_id=org.community_id,
        user_id=str(user_id),
    )
    return await render(db, org, who)


async def link_service(
    db: AsyncSession, who: Principal, organisation_id: uuid.UUID, service_id: uuid.UUID
) -> OrganisationOut:
    """The organisation provides this bookings service (its provider must be a social organisation)."""
    org = await load(db, who, organisation_id, staff=True, lock=True)
    try:
        service = await bookings.get_service(db, who, service_id)
    except NotFound as exc:  # bookings: no such service in reach
        raise LinkTargetNotFound() from exc
    if service.community_id != org.community_id:
        raise LinkTargetNotFound()
    if service.provider_kind is not ProviderKind.social_org:
        raise NotSocialOrgService()
    try:
        async with db.begin_nested():
            db.add(OrganisationService(service_id=service.id, organisation_id=org.id))
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyLinked() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="organisation.service_link",
        target_type="organisation",
        target_id=org.id,
        community_id=org.community_id,
        service_id=str(service.id),
    )
    return await render(db, org, who)


async def link_activity(
    db: AsyncSession, who: Principal, organisation_id: uuid.UUID, activity_id: uuid.UUID
) -> OrganisationOut:
    """The organisation organised this volunteer activity: its settled hours count for the team."""
    org = await load(db, who, organisation_id, staff=True, lock=True)
    try:
        activity = await volunteering.get_activity(db, who, activity_id)
    except NotFound as exc:  # volunteering: no such activity in reach
        raise LinkTargetNotFound() from exc
    if activity.community_id != org.community_id:
        raise LinkTargetNotFound()
    try:
        async with db.begin_nested():
            db.add(OrganisationActivity(activity_id=activity_id, organisation_id=org.id))
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyLinked() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="organisation.activity_link",
        target_type="organisation",
        target_id=org.id,
        community_id=org.community_id,
        activity_id=str(activity_id),
    )
    return await render(db, org, who)
