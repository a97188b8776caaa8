"""Applications (申报) to a call: plan, beneficiaries, budget lines (quantity × unit price in fen),
milestones. A draft is the applicant's to edit until the call's deadline (closes_at); submitting checks
that it is complete and within the budget cap. After the deadline nothing changes but its status.

Who may apply: a resident of the call's community (when the call is open to residents), or the leader
of one of the community's organisations on its behalf (when open to organisations; 已登记 only when
the call says so; never an organisation that stopped its activity).

Who sees an application: its applicant; the community's staff; the call's reviewers once submitted;
residents of the community once it passed the eligibility check (for the vote and the public list).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_name
from app.identity.principal import Principal
from app.models.identity import User
from app.models.project_delivery import Project
from app.models.projects import (
    ApplicationStatus,
    BudgetLine,
    Milestone,
    Organisation,
    OrganisationStatus,
    ProjectApplication,
    ProjectCall,
    Review,
    Reviewer,
)
from app.platform import audit
from app.projects import calls, organisations
from app.projects.calls import yuan_text
from app.projects.errors import (
    ApplicantNotAllowed,
    ApplicationInvalidTransition,
    ApplicationNotFound,
    CallNotAccepting,
    IncompleteApplication,
    NotOrganisationLeader,
    OrganisationNotRegistered,
    OverCap,
    UnknownCategory,
)
from app.projects.schemas import (
    APPLICATION_LABELS,
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    LineIn,
    LineOut,
    MilestoneIn,
    MilestoneOut,
    OrganisationRef,
)

S = ApplicationStatus
PUBLIC = (S.eligible, S.funded, S.not_funded)


def centi_text(centi: int | None) -> str | None:
    return None if centi is None else f"{centi // 100}.{centi % 100:02d}"


# ---------------------------------------------------------------- scope


async def reviewer_calls(db: AsyncSession, who: Principal) -> list[uuid.UUID]:
    return list((await db.execute(select(Reviewer.call_id).where(Reviewer.user_id == who.id))).scalars())


async def visible(db: AsyncSession, who: Principal) -> Any:
    conds: list[Any] = [ProjectApplication.applicant_id == who.id]
    if who.staff_communities:
        conds.append(ProjectApplication.community_id.in_(who.staff_communities))
    reviewing = await reviewer_calls(db, who)
    if reviewing:
        conds.append(
            and_(ProjectApplication.call_id.in_(reviewing), ProjectApplication.status.in_(calls.SUBMITTED))
        )
    if who.community_id is not None:
        conds.append(
            and_(ProjectApplication.community_id == who.community_id, ProjectApplication.status.in_(PUBLIC))
        )
    return or_(*conds)


async def load(
    db: AsyncSession, who: Principal, application_id: uuid.UUID, *, lock: bool = False
) -> ProjectApplication:
    query = select(ProjectApplication).where(ProjectApplication.id == application_id, await visible(db, who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    app = (await db.execute(query)).scalar_one_or_none()
    if app is None:
        raise ApplicationNotFound()
    return app


async def lines_of(db: AsyncSession, application_id: uuid.UUID) -> list[BudgetLine]:
    return list(
        (
            await db.execute(
                select(BudgetLine).where(BudgetLine.application_id == application_id).order_by(BudgetLine.seq)
            )
        ).scalars()
    )


async def milestones_of(db: AsyncSession, application_id: uuid.UUID) -> list[Milestone]:
    return list(
        (
            await db.execute(
                select(Milestone).where(Milestone.application_id == application_id).order_by(Milestone.seq)
            )
        ).scalars()
    )


def line_out(line: BudgetLine) -> LineOut:
    return LineOut(
        id=line.id,
        seq=line.seq,
        item=line.item,
        quantity=line.quantity,
        unit=line.unit,
        unit_price_fen=line.unit_price_fen,
        amount_fen=line.amount_fen,
        amount_yuan=yuan_text(line.amount_fen),
        approved_extra_fen=line.approved_extra_fen,
        spent_fen=line.spent_fen,
        spent_yuan=yuan_text(line.spent_fen),
        remaining_fen=line.amount_fen + line.approved_extra_fen - line.spent_fen,
    )


def milestone_out(m: Milestone) -> MilestoneOut:
    return MilestoneOut(
        id=m.id, seq=m.seq, title=m.title, due_on=m.due_on, done=m.done_at is not None, done_at=m.done_at
    )


async def mean_review_centi(db: AsyncSession, application_id: uuid.UUID) -> int | None:
    total, n = (
        await db.execute(
            select(func.coalesce(func.sum(Review.score_centi), 0), func.count()).where(
                Review.application_id == application_id
            )
        )
    ).one()
    return None if not n else (int(total) * 2 + n) // (2 * n)  # mean, rounded half up, integers only


async def render(
    db: AsyncSession, app: ProjectApplication, viewer: Principal, call: ProjectCall | None = None
) -> ApplicationOut:
    staff = viewer.is_staff_of(app.community_id)
    mine = app.applicant_id == viewer.id
    call = call or await db.get(ProjectCall, app.call_id)
    assert call is not None
    applicant = await db.get(User, app.applicant_id)
    name = applicant.name if applicant is not None else ""
    org = await db.get(Organisation, app.organisation_id) if app.organisation_id else None
    project_id = (
        await db.execute(select(Project.id).where(Project.application_id == app.id))
    ).scalar_one_or_none()
    return ApplicationOut(
        id=app.id,
        call_id=app.call_id,
        community_id=app.community_id,
        applicant_name=name if staff or mine else mask_name(name),
        mine=mine,
        organisation=OrganisationRef(id=org.id, name=org.name, kind=org.kind) if org else None,
        status=app.status,
        status_label=APPLICATION_LABELS[app.status],
        editable=mine and app.status is S.draft and calls.accepting(call),
        title=app.title,
        category=app.category,
        summary=app.summary,
        plan=app.plan,
        beneficiaries=app.beneficiaries,
        beneficiaries_count=app.beneficiaries_count,
        requested_fen=app.requested_fen,
        requested_yuan=yuan_text(app.requested_fen),
        budget_lines=[line_out(line) for line in await lines_of(db, app.id)],
        milestones=[milestone_out(m) for m in await milestones_of(db, app.id)],
        submitted_at=app.submitted_at,
        eligibility_reasons=list(app.eligibility_reasons) if staff or mine else None,
        score=centi_text(app.score_centi),
        review_score=centi_text(await mean_review_centi(db, app.id)) if staff else None,
        votes=app.votes,
        rank=app.rank,
        funded_fen=app.funded_fen,
        funding_note=app.funding_note,
        project_id=project_id,
        created_at=app.created_at,
    )


# ---------------------------------------------------------------- reading


async def get_application(db: AsyncSession, who: Principal, application_id: uuid.UUID) -> ApplicationOut:
    return await render(db, await load(db, who, application_id), who)


async def list_applications(
    db: AsyncSession, who: Principal, call_id: uuid.UUID, params: PageParams, *, status: S | None = None
) -> Page[ApplicationOut]:
    """Oldest first (the order they came in): what the caller may see of the call's applications."""
    after = params.after(datetime, uuid.UUID)
    call = await calls.load(db, who, call_id)
    query = select(ProjectApplication).where(ProjectApplication.call_id == call.id, await visible(db, who))
    if status is not None:
        query = query.where(ProjectApplication.status == status)
    if after is not None:
        query = query.where((ProjectApplication.created_at, ProjectApplication.id) > after)  # type: ignore[operator]
    rows = list(
        (
            await db.execute(
                query.order_by(ProjectApplication.created_at, ProjectApplication.id).limit(params.limit + 1)
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda a: [a.created_at, a.id])
    return Page[ApplicationOut](
        items=[await render(db, a, who, call) for a in page.items], next_cursor=page.next_cursor
    )


# ---------------------------------------------------------------- writing


async def _replace_lines(db: AsyncSession, app: ProjectApplication, lines: list[LineIn]) -> None:
    for old in await lines_of(db, app.id):
        await db.delete(old)
    await db.flush()
    for seq, line in enumerate(lines, start=1):
        db.add(
            BudgetLine(
                application_id=app.id,
                seq=seq,
                item=line.item,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_fen=line.unit_price_fen,
                amount_fen=line.quantity * line.unit_price_fen,
            )
        )
    app.requested_fen = sum(line.quantity * line.unit_price_fen for line in lines)
    await db.flush()


async def _replace_milestones(
    db: AsyncSession, app: ProjectApplication, milestones: list[MilestoneIn]
) -> None:
    for old in await milestones_of(db, app.id):
        await db.delete(old)
    await db.flush()
    for seq, m in enumerate(milestones, start=1):
        db.add(Milestone(application_id=app.id, seq=seq, title=m.title, due_on=m.due_on))
    await db.flush()


async def _applicant_organisation(
    db: AsyncSession, who: Principal, call: ProjectCall, organisation_id: uuid.UUID
) -> Organisation:
    if not call.open_to_organisations:
        raise ApplicantNotAllowed()
    org = await organisations.load(db, who, organisation_id)
    if org.community_id != call.community_id:
        raise ApplicantNotAllowed()
    if await organisations.leader_of(db, org.id) != who.id:
        raise NotOrganisationLeader()
    if org.status is OrganisationStatus.inactive or (
        call.registered_only and org.status is not OrganisationStatus.registered
    ):
        raise OrganisationNotRegistered()
    return org


async def create_application(
    db: AsyncSession, who: Principal, call_id: uuid.UUID, body: ApplicationIn
) -> ApplicationOut:
    call = await calls.load(db, who, call_id)
    if not calls.accepting(call):
        raise CallNotAccepting(phase=calls.phase(call))
    if body.organisation_id is not None:
        org: Organisation | None = await _applicant_organisation(db, who, call, body.organisation_id)
    else:
        org = None
        if not call.open_to_residents or who.community_id != call.community_id:
            raise ApplicantNotAllowed()
    if body.category not in call.categories:
        raise UnknownCategory(categories=list(call.categories))
    app = ProjectApplication(
        id=uuid.uuid4(),
        call_id=call.id,
        community_id=call.community_id,
        applicant_id=who.id,
        organisation_id=org.id if org else None,
        status=S.draft,
        title=body.title,
        category=body.category,
        summary=body.summary,
        plan=body.plan,
        beneficiaries=body.beneficiaries,
        beneficiaries_count=body.beneficiaries_count,
        requested_fen=0,
        eligibility_reasons=[],
    )
    db.add(app)
    await db.flush()
    await _replace_lines(db, app, body.budget_lines)
    await _replace_milestones(db, app, body.milestones)
    await audit.record(
        db,
        actor_id=who.id,
        action="project_application.create",
        target_type="project_application",
        target_id=app.id,
        community_id=app.community_id,
    )
    return await render(db, app, who, call)


async def _own_draft(
    db: AsyncSession, who: Principal, application_id: uuid.UUID
) -> tuple[ProjectApplication, ProjectCall]:
    app = await load(db, who, application_id, lock=True)
    if app.applicant_id != who.id:
        raise ApplicationNotFound()  # someone else's application is not theirs to change
    call = await db.get(ProjectCall, app.call_id)
    assert call is not None
    if app.status is not S.draft:
        raise ApplicationInvalidTransition(current_status=app.status.value)
    if not calls.accepting(call):
        raise CallNotAccepting(phase=calls.phase(call))
    return app, call


async def update_application(
    db: AsyncSession, who: Principal, application_id: uuid.UUID, body: ApplicationPatch
) -> ApplicationOut:
    """Edit a draft until the deadline (lists are replaced whole)."""
    app, call = await _own_draft(db, who, application_id)
    changes = body.model_dump(exclude_unset=True, exclude={"budget_lines", "milestones"})
    if changes.get("category") is not None and changes["category"] not in call.categories:
        raise UnknownCategory(categories=list(call.categories))
    for field, value in changes.items():
        if value is not None:
            setattr(app, field, value)
    if body.budget_lines is not None:
        await _replace_lines(db, app, body.budget_lines)
    if body.milestones is not None:
        await _replace_milestones(db, app, body.milestones)
    app.updated_at = clock.now()
    await db.flush()
    return await render(db, app, who, call)


async def submit(db: AsyncSession, who: Principal, application_id: uuid.UUID) -> ApplicationOut:
    """Submit a complete draft before the deadline; a second submit is 409."""
    app, call = await _own_draft(db, who, application_id)
    lines = await lines_of(db, app.id)
    milestones = await milestones_of(db, app.id)
    missing = [
        name
        for name, present in (("plan", app.plan.strip()), ("budget_lines", lines), ("milestones", milestones))
        if not present
    ]
    if missing or app.requested_fen <= 0:
        raise IncompleteApplication(missing=missing or ["budget_lines"])
    if app.requested_fen > call.budget_cap_fen:
        raise OverCap(requested_fen=app.requested_fen, budget_cap_fen=call.budget_cap_fen)
    app.status = S.submitted
    app.submitted_at = clock.now()
    app.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project_application.submit",
        target_type="project_application",
        target_id=app.id,
        community_id=app.community_id,
        requested_fen=app.requested_fen,
    )
    return await render(db, app, who, call)


async def withdraw(db: AsyncSession, who: Principal, application_id: uuid.UUID) -> ApplicationOut:
    """The applicant withdraws a draft or a submitted application (not once funding has run)."""
    app = await load(db, who, application_id, lock=True)
    if app.applicant_id != who.id:
        raise ApplicationNotFound()
    if app.status not in (S.draft, S.submitted, S.eligible):
        raise ApplicationInvalidTransition(current_status=app.status.value)
    app.status = S.withdrawn
    app.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project_application.withdraw",
        target_type="project_application",
        target_id=app.id,
        community_id=app.community_id,
    )
    return await render(db, app, who)
