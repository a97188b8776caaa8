"""Execution of a funded project: spending against budget lines, budget changes, progress updates with
milestones and photos, links to the bookings services and activities it runs, participant counts.

- 支出 (spending) is recorded by the project's team (its applicant or the organisation's leader) or
  staff against one budget line. The line is locked (`FOR UPDATE`) and its remaining amount
  (amount + approved extra − spent) checked before `spent_fen` moves, so parallel expenses cannot
  overspend it; the line's CHECK is the database's copy of the rule. Past the remaining amount: 409
  `budget_line_overspent`.
- 预算调整 (a budget change) is the only way up: the team asks for `extra_fen` on a line; staff approve
  (or reject) it. Approval adds to the line, to the project's budget and to the call's funded total,
  which must stay within the call's cap (locks: call, project, line — always in that order).
- 进展 (progress updates) may complete a milestone; photos go through `app.core.photos` (decoded,
  re-encoded without EXIF, thumbnailed) and the tickets' storage, as tickets do. Followers are told.
- 参与人次 (participants): the check-ins of the linked bookings services since the project was funded
  (at most the last 366 days) plus the attendees of the linked activities, counted when staff read
  the project and kept on the row for the public page.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import catalogue as bookings
from app.bookings import reports as booking_reports
from app.core import clock, photos
from app.core.errors import NotFound
from app.identity.principal import Principal
from app.models.project_delivery import (
    BudgetChange,
    ChangeStatus,
    LinkKind,
    ProgressUpdate,
    Project,
    ProjectLink,
    ProjectPhoto,
    ProjectStatus,
    Spending,
)
from app.models.projects import BudgetLine, Milestone, ProjectCall
from app.notifications.service import notify
from app.platform import audit
from app.projects import public
from app.projects.calls import yuan_text
from app.projects.config import rules
from app.projects.errors import (
    AlreadyLinked,
    ChangeAlreadyDecided,
    ChangeNotFound,
    ImageTooLarge,
    LineNotFound,
    LineOverspent,
    LinkTargetNotFound,
    MilestoneNotFound,
    NotAnImage,
    OverBudget,
    ProjectInvalidTransition,
    TooManyPhotos,
)
from app.projects.schemas_delivery import (
    BudgetChangeIn,
    BudgetChangeOut,
    PhotoOut,
    ProjectLinkIn,
    ProjectOut,
    SpendingIn,
    SpendingOut,
    UpdateIn,
)
from app.volunteering import service as volunteering


async def _line(db: AsyncSession, project: Project, line_id: uuid.UUID, *, lock: bool = False) -> BudgetLine:
    query = select(BudgetLine).where(
        BudgetLine.id == line_id, BudgetLine.application_id == project.application_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    line = (await db.execute(query)).scalar_one_or_none()
    if line is None:
        raise LineNotFound()
    return line


def _executing(project: Project) -> None:
    if project.status is not ProjectStatus.executing:
        raise ProjectInvalidTransition(current_status=project.status.value)


# ---------------------------------------------------------------- spending


async def record_spending(
    db: AsyncSession, who: Principal, project_id: uuid.UUID, body: SpendingIn
) -> SpendingOut:
    project = await public.load(db, who, project_id, team=True)
    _executing(project)
    line = await _line(db, project, body.line_id, lock=True)
    remaining = line.amount_fen + line.approved_extra_fen - line.spent_fen
    if body.amount_fen > remaining:
        raise LineOverspent(remaining_fen=remaining, amount_fen=body.amount_fen)
    if body.spent_on > clock.today():
        raise ProjectInvalidTransition(detail="支出日期不能晚于今天 / spent_on cannot be in the future")
    line.spent_fen += body.amount_fen
    spending = Spending(
        project_id=project.id,
        line_id=line.id,
        amount_fen=body.amount_fen,
        spent_on=body.spent_on,
        payee=body.payee,
        note=body.note,
        recorded_by=who.id,
        recorded_at=clock.now(),
    )
    db.add(spending)
    await db.flush()
    # The project's total follows its lines (an UPDATE … SET spent_fen = spent_fen + n, so parallel
    # expenses on different lines both count).
    await db.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(spent_fen=Project.spent_fen + body.amount_fen, updated_at=clock.now())
    )
    await audit.record(
        db,
        actor_id=who.id,
        action="project.spending",
        target_type="project",
        target_id=project.id,
        community_id=project.community_id,
        line_id=str(line.id),
        amount_fen=body.amount_fen,
    )
    return public.spending_out(spending, line.item)


# ---------------------------------------------------------------- budget changes


def change_out(c: BudgetChange) -> BudgetChangeOut:
    return BudgetChangeOut(
        id=c.id,
        project_id=c.project_id,
        line_id=c.line_id,
        extra_fen=c.extra_fen,
        extra_yuan=yuan_text(c.extra_fen),
        reason=c.reason,
        status=c.status,
        requested_at=c.requested_at,
        decided_at=c.decided_at,
    )


async def request_change(
    db: AsyncSession, who: Principal, project_id: uuid.UUID, body: BudgetChangeIn
) -> BudgetChangeOut:
    project = await public.load(db, who, project_id, team=True)
    _executing(project)
    line = await _line(db, project, body.line_id)
    change = BudgetChange(
        project_id=project.id,
        line_id=line.id,
        extra_fen=body.extra_fen,
        reason=body.reason,
        status=ChangeStatus.requested,
        requested_by=who.id,
        requested_at=clock.now(),
    )
    db.add(change)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project.budget_change_request",
        target_type="project",
        target_id=project.id,
        community_id=project.community_id,
        extra_fen=body.extra_fen,
    )
    return change_out(change)


async def decide_change(
    db: AsyncSession, who: Principal, change_id: uuid.UUID, approve: bool
) -> BudgetChangeOut:
    """Staff approve (line, project budget and the call's funded total go up, within the cap) or reject."""
    change = await db.get(BudgetChange, change_id)
    if change is None:
        raise ChangeNotFound()
    try:
        project = await public.load(db, who, change.project_id, staff=True)
    except NotFound as exc:
        raise ChangeNotFound() from exc
    call = (
        await db.execute(
            select(ProjectCall)
            .where(ProjectCall.id == project.call_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    project = await public.load(db, who, change.project_id, staff=True, lock=True)
    change = (
        await db.execute(
            select(BudgetChange)
            .where(BudgetChange.id == change_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if change.status is not ChangeStatus.requested:
        raise ChangeAlreadyDecided()
    _executing(project)
    if approve:
        if call.funded_fen + change.extra_fen > call.budget_cap_fen:
            raise OverBudget(left_fen=call.budget_cap_fen - call.funded_fen)
        line = await _line(db, project, change.line_id, lock=True)
        line.approved_extra_fen += change.extra_fen
        project.budget_fen += change.extra_fen
        call.funded_fen += change.extra_fen
    change.status = ChangeStatus.approved if approve else ChangeStatus.rejected
    change.decided_by = who.id
    change.decided_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project.budget_change_" + ("approve" if approve else "reject"),
        target_type="project",
        target_id=project.id,
        community_id=project.community_id,
        extra_fen=change.extra_fen,
    )
    await notify(
        db,
        user_id=change.requested_by,
        kind="project.budget_change",
        title="预算调整已批准" if approve else "预算调整未获批准",
        body=f"「{project.title}」追加 {yuan_text(change.extra_fen)} 元：{'已批准' if approve else '未批准'}",
        link=f"/projects/{project.id}",
    )
    return change_out(change)


# ---------------------------------------------------------------- progress, photos, links


async def _tell_followers(db: AsyncSession, project: Project, title: str, body: str) -> None:
    for user_id in await public.followers_of(db, project.id):
        await notify(
            db, user_id=user_id, kind="project.update", title=title, body=body, link=f"/projects/{project.id}"
        )


async def post_update(db: AsyncSession, who: Principal, project_id: uuid.UUID, body: UpdateIn) -> ProjectOut:
    project = await public.load(db, who, project_id, team=True)
    _executing(project)
    milestone = None
    if body.milestone_id is not None:
        milestone = (
            await db.execute(
                select(Milestone)
                .where(Milestone.id == body.milestone_id, Milestone.application_id == project.application_id)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if milestone is None:
            raise MilestoneNotFound()
    elif body.milestone_done:
        raise MilestoneNotFound()
    update = ProgressUpdate(
        project_id=project.id,
        milestone_id=milestone.id if milestone else None,
        body=body.body,
        author_id=who.id,
        created_at=clock.now(),
    )
    db.add(update)
    if milestone is not None and body.milestone_done and milestone.done_at is None:
        milestone.done_at = clock.now()
        milestone.done_by = who.id
    await db.flush()
    await _tell_followers(db, project, "关注的项目有新进展", f"「{project.title}」：{body.body[:60]}")
    return await public.render(db, project, who)


async def add_photo(
    db: AsyncSession,
    who: Principal,
    storage: photos.Storage,
    project_id: uuid.UUID,
    raw: bytes,
    update_id: uuid.UUID | None,
) -> PhotoOut:
    project = await public.load(db, who, project_id, team=True, lock=True)
    count = len(await public.photos_of(db, project.id))
    if count >= rules().photos_per_project:
        raise TooManyPhotos(limit=rules().photos_per_project)
    if update_id is not None:
        owner = (
            await db.execute(select(ProgressUpdate.project_id).where(ProgressUpdate.id == update_id))
        ).scalar()
        if owner != project.id:
            raise LinkTargetNotFound()
    stored = await photos.store_photo(
        db,
        storage,
        raw,
        f"projects/{project.id}",
        max_bytes=rules().photo_max_bytes,
        too_large=ImageTooLarge,
        too_many_pixels=ImageTooLarge,
        not_an_image=NotAnImage,
    )
    photo = ProjectPhoto(
        project_id=project.id,
        update_id=update_id,
        uploaded_by=who.id,
        created_at=clock.now(),
        **stored.columns(),
    )
    db.add(photo)
    await db.flush()
    return public.photo_out(photo)


async def link(db: AsyncSession, who: Principal, project_id: uuid.UUID, body: ProjectLinkIn) -> ProjectOut:
    """The project runs this bookings service or volunteer activity (its participants count)."""
    project = await public.load(db, who, project_id, staff=True, lock=True)
    try:
        if body.kind is LinkKind.service:
            community_id = (await bookings.get_service(db, who, body.target_id)).community_id
        else:
            community_id = (await volunteering.get_activity(db, who, body.target_id)).community_id
    except NotFound as exc:
        raise LinkTargetNotFound() from exc
    if community_id != project.community_id:
        raise LinkTargetNotFound()
    try:
        async with db.begin_nested():
            db.add(ProjectLink(project_id=project.id, kind=body.kind, target_id=body.target_id))
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyLinked() from exc
    await count_participants(db, who, project)
    return await public.render(db, project, who)


async def count_participants(db: AsyncSession, who: Principal, project: Project) -> int:
    """Check-ins of the linked services since funding (≤ 366 days) + attendees of linked activities."""
    links = (
        (await db.execute(select(ProjectLink).where(ProjectLink.project_id == project.id))).scalars().all()
    )
    total = 0
    today = clock.today()
    first = max(clock.local_day(project.created_at), today - timedelta(days=366))
    for link_row in links:
        if link_row.kind is LinkKind.service:
            view = await booking_reports.stats(
                db, who, from_date=first, to_date=today, service_id=link_row.target_id
            )
            total += sum(week.checked_in for week in view.items)
        else:
            people = await volunteering.volunteers(db, who, link_row.target_id)
            total += sum(1 for p in people if p.checked_in_at is not None)
    project.participants = total
    project.participants_counted_at = clock.now()
    await db.flush()
    return total
