"""公开反馈: the public page of every funded project, its questions and followers, and project scope.

Everyone in the community reads a funded project's page: status, percent of milestones done, spent
against budget (yuan with two decimals), the public ledger of expenses, progress with photos, the
acceptance grade. Residents ask questions; staff answer; the asker's name is masked to others and free
text leaving the staff side has phone and ID numbers masked (`app.core.privacy.mask_contacts`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, photos
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_contacts, mask_name
from app.identity.principal import Principal
from app.models.identity import User
from app.models.project_delivery import (
    Acceptance,
    BudgetChange,
    Follow,
    ProgressUpdate,
    Project,
    ProjectPhoto,
    ProjectStatus,
    Question,
    Spending,
)
from app.models.projects import MemberRole, Organisation, OrganisationMember, ProjectApplication, ProjectCall
from app.notifications.service import notify
from app.platform import audit
from app.projects.applications import line_out, lines_of, milestone_out, milestones_of
from app.projects.calls import yuan_text
from app.projects.errors import (
    NotProjectOwner,
    NotResidentVoter,
    PhotoNotFound,
    ProjectNotFound,
    QuestionAlreadyAnswered,
    QuestionNotFound,
)
from app.projects.schemas import CALL_KIND_LABELS, OrganisationRef
from app.projects.schemas_delivery import (
    GRADE_LABELS,
    PROJECT_LABELS,
    AcceptanceOut,
    AnswerIn,
    IndicatorOut,
    PhotoOut,
    ProjectOut,
    ProjectSummary,
    QuestionIn,
    QuestionOut,
    SpendingOut,
    UpdateOut,
)


def percent(part: int, whole: int) -> int:
    return 0 if whole <= 0 else min(100, part * 100 // whole)


def centi(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


# ---------------------------------------------------------------- scope


def visible(who: Principal) -> Any:
    conds: list[Any] = [Project.owner_id == who.id]
    if who.staff_communities:
        conds.append(Project.community_id.in_(who.staff_communities))
    if who.community_id is not None:
        conds.append(Project.community_id == who.community_id)
    return or_(*conds)


async def on_team(db: AsyncSession, who: Principal, project: Project) -> bool:
    """The applicant, or the leader of the organisation that runs it."""
    if project.owner_id == who.id:
        return True
    if project.organisation_id is None:
        return False
    leader = (
        await db.execute(
            select(OrganisationMember.id).where(
                OrganisationMember.organisation_id == project.organisation_id,
                OrganisationMember.user_id == who.id,
                OrganisationMember.role == MemberRole.leader,
            )
        )
    ).first()
    return leader is not None


async def load(
    db: AsyncSession,
    who: Principal,
    project_id: uuid.UUID,
    *,
    staff: bool = False,
    team: bool = False,
    lock: bool = False,
) -> Project:
    """The project if `who` may see it; `staff`: 404 unless staff; `team`: 403 unless team or staff."""
    query = select(Project).where(Project.id == project_id, visible(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    project = (await db.execute(query)).scalar_one_or_none()
    if project is None or (staff and not who.is_staff_of(project.community_id)):
        raise ProjectNotFound()
    if team and not who.is_staff_of(project.community_id) and not await on_team(db, who, project):
        raise NotProjectOwner()
    return project


# ---------------------------------------------------------------- pieces


def spending_out(s: Spending, item: str, *, staff: bool = True) -> SpendingOut:
    return SpendingOut(
        id=s.id,
        line_id=s.line_id,
        item=item,
        amount_fen=s.amount_fen,
        amount_yuan=yuan_text(s.amount_fen),
        spent_on=s.spent_on,
        payee=s.payee if staff else mask_contacts(s.payee),
        note=s.note if staff else mask_contacts(s.note),
        recorded_at=s.recorded_at,
    )


def photo_out(p: ProjectPhoto) -> PhotoOut:
    url = f"/api/v1/projects/{p.project_id}/photos/{p.id}"
    return PhotoOut(
        id=p.id,
        project_id=p.project_id,
        update_id=p.update_id,
        content_type=p.content_type,
        width=p.width,
        height=p.height,
        url=url,
        thumb_url=url + "?thumbnail=true",
        created_at=p.created_at,
    )


async def photos_of(db: AsyncSession, project_id: uuid.UUID) -> list[ProjectPhoto]:
    return list(
        (
            await db.execute(
                select(ProjectPhoto)
                .where(ProjectPhoto.project_id == project_id)
                .order_by(ProjectPhoto.created_at, ProjectPhoto.id)
            )
        ).scalars()
    )


async def followers_of(db: AsyncSession, project_id: uuid.UUID) -> list[uuid.UUID]:
    return list((await db.execute(select(Follow.user_id).where(Follow.project_id == project_id))).scalars())


def acceptance_out(a: Acceptance) -> AcceptanceOut:
    return AcceptanceOut(
        project_id=a.project_id,
        indicators=[IndicatorOut(**i) for i in a.indicators],
        indicator_score=centi(a.indicator_centi),
        reviewer_score=a.reviewer_score,
        satisfaction=a.satisfaction,
        survey_id=a.survey_id,
        total=centi(a.total_centi),
        pass_score=a.pass_score,
        grade=a.grade,
        grade_label=GRADE_LABELS[a.grade],
        passed=a.total_centi >= a.pass_score * 100,
        summary=a.summary,
        rectification_ids=[uuid.UUID(i) for i in a.rectification_ids],
        published_at=a.published_at,
    )


async def _names(db: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {r.id: r.name for r in await db.execute(select(User.id, User.name).where(User.id.in_(ids)))}


def question_out(q: Question, names: dict[uuid.UUID, str], viewer: Principal, staff: bool) -> QuestionOut:
    mine = q.asker_id == viewer.id
    name = names.get(q.asker_id, "")
    return QuestionOut(
        id=q.id,
        project_id=q.project_id,
        body=q.body if staff or mine else mask_contacts(q.body),
        asker_name=name if staff or mine else mask_name(name),
        mine=mine,
        asked_at=q.asked_at,
        answer=q.answer,
        answered_at=q.answered_at,
    )


async def _organisation(db: AsyncSession, organisation_id: uuid.UUID | None) -> OrganisationRef | None:
    org = await db.get(Organisation, organisation_id) if organisation_id else None
    return OrganisationRef(id=org.id, name=org.name, kind=org.kind) if org else None


async def _summary(db: AsyncSession, p: Project) -> ProjectSummary:
    milestones = await milestones_of(db, p.application_id)
    done = sum(1 for m in milestones if m.done_at is not None)
    return ProjectSummary(
        id=p.id,
        call_id=p.call_id,
        community_id=p.community_id,
        title=p.title,
        status=p.status,
        status_label=PROJECT_LABELS[p.status],
        organisation=await _organisation(db, p.organisation_id),
        percent_done=percent(done, len(milestones)),
        budget_fen=p.budget_fen,
        budget_yuan=yuan_text(p.budget_fen),
        spent_fen=p.spent_fen,
        spent_yuan=yuan_text(p.spent_fen),
        grade=p.grade,
        grade_label=GRADE_LABELS[p.grade] if p.grade else None,
        created_at=p.created_at,
    )


async def render(db: AsyncSession, p: Project, viewer: Principal) -> ProjectOut:
    from app.projects.execution import change_out  # the two modules render each other's pieces

    staff = viewer.is_staff_of(p.community_id)
    app = await db.get(ProjectApplication, p.application_id)
    call = await db.get(ProjectCall, p.call_id)
    assert app is not None
    assert call is not None
    lines = await lines_of(db, p.application_id)
    items = {line.id: line.item for line in lines}
    spending = (
        await db.execute(
            select(Spending)
            .where(Spending.project_id == p.id)
            .order_by(Spending.spent_on.desc(), Spending.recorded_at.desc())
            .limit(50)
        )
    ).scalars()
    updates = list(
        (
            await db.execute(
                select(ProgressUpdate)
                .where(ProgressUpdate.project_id == p.id)
                .order_by(ProgressUpdate.created_at)
            )
        ).scalars()
    )
    pics = await photos_of(db, p.id)
    questions = list(
        (
            await db.execute(select(Question).where(Question.project_id == p.id).order_by(Question.asked_at))
        ).scalars()
    )
    names = await _names(db, {u.author_id for u in updates} | {q.asker_id for q in questions})
    changes = (
        await db.execute(
            select(BudgetChange).where(BudgetChange.project_id == p.id).order_by(BudgetChange.requested_at)
        )
    ).scalars()
    acceptance = (
        await db.execute(select(Acceptance).where(Acceptance.project_id == p.id))
    ).scalar_one_or_none()
    followers = await followers_of(db, p.id)
    return ProjectOut(
        **(await _summary(db, p)).model_dump(),
        call_title=call.title,
        call_kind_label=CALL_KIND_LABELS[call.kind],
        summary=app.summary,
        beneficiaries=app.beneficiaries,
        spent_percent=percent(p.spent_fen, p.budget_fen),
        milestones=[milestone_out(m) for m in await milestones_of(db, p.application_id)],
        budget_lines=[line_out(line) for line in lines],
        spending=[spending_out(s, items.get(s.line_id, ""), staff=staff) for s in spending],
        budget_changes=[change_out(c) for c in changes],
        updates=[
            UpdateOut(
                id=u.id,
                body=u.body if staff else mask_contacts(u.body),
                milestone_id=u.milestone_id,
                author_name=names.get(u.author_id, "") if staff else mask_name(names.get(u.author_id, "")),
                created_at=u.created_at,
                photo_ids=[ph.id for ph in pics if ph.update_id == u.id],
            )
            for u in updates
        ],
        photos=[photo_out(ph) for ph in pics],
        participants=p.participants,
        acceptance=acceptance_out(acceptance) if acceptance else None,
        questions=[question_out(q, names, viewer, staff) for q in questions],
        followers=len(followers),
        following=viewer.id in followers,
        mine=await on_team(db, viewer, p),
        decision_id=p.decision_id,
    )


# ---------------------------------------------------------------- reading


async def get_project(db: AsyncSession, who: Principal, project_id: uuid.UUID) -> ProjectOut:
    project = await load(db, who, project_id)
    if who.is_staff_of(project.community_id):
        from app.projects.execution import count_participants

        await count_participants(db, who, project)
    return await render(db, project, who)


async def list_projects(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    call_id: uuid.UUID | None = None,
    status: ProjectStatus | None = None,
    following: bool = False,
) -> Page[ProjectSummary]:
    """Newest first, the funded projects the caller may see (optionally one call's, or those followed)."""
    after = params.after(datetime, uuid.UUID)
    query = select(Project).where(visible(who))
    if call_id is not None:
        query = query.where(Project.call_id == call_id)
    if status is not None:
        query = query.where(Project.status == status)
    if following:
        query = query.join(Follow, and_(Follow.project_id == Project.id, Follow.user_id == who.id))
    if after is not None:
        query = query.where((Project.created_at, Project.id) < after)  # type: ignore[operator]
    rows = list(
        (
            await db.execute(
                query.order_by(Project.created_at.desc(), Project.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda p: [p.created_at, p.id])
    return Page[ProjectSummary](
        items=[await _summary(db, p) for p in page.items], next_cursor=page.next_cursor
    )


async def read_photo(
    db: AsyncSession,
    who: Principal,
    storage: photos.Storage,
    project_id: uuid.UUID,
    photo_id: uuid.UUID,
    thumbnail: bool,
) -> tuple[bytes, str]:
    project = await load(db, who, project_id)
    photo = await db.get(ProjectPhoto, photo_id)
    if photo is None or photo.project_id != project.id:
        raise PhotoNotFound()
    found = await photos.read_stored(storage, photo, thumbnail)
    if found is None:
        raise PhotoNotFound()
    return found


# ---------------------------------------------------------------- questions and follows


async def ask(db: AsyncSession, who: Principal, project_id: uuid.UUID, body: QuestionIn) -> QuestionOut:
    project = await load(db, who, project_id)
    if who.community_id != project.community_id and not who.is_staff_of(project.community_id):
        raise NotResidentVoter()
    q = Question(project_id=project.id, asker_id=who.id, body=body.body, asked_at=clock.now())
    db.add(q)
    await db.flush()
    return question_out(q, await _names(db, {who.id}), who, who.is_staff_of(project.community_id))


async def answer(db: AsyncSession, who: Principal, question_id: uuid.UUID, body: AnswerIn) -> QuestionOut:
    q = (
        await db.execute(
            select(Question)
            .where(Question.id == question_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if q is None:
        raise QuestionNotFound()
    project = await db.get(Project, q.project_id)
    if project is None or not who.is_staff_of(project.community_id):
        raise QuestionNotFound()
    if q.answer is not None:
        raise QuestionAlreadyAnswered()
    q.answer, q.answered_by, q.answered_at = body.answer, who.id, clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project.question_answer",
        target_type="project",
        target_id=project.id,
        community_id=project.community_id,
    )
    await notify(
        db,
        user_id=q.asker_id,
        kind="project.answer",
        title="您的提问已答复",
        body=f"「{project.title}」：{body.answer[:60]}",
        link=f"/projects/{project.id}",
    )
    return question_out(q, await _names(db, {q.asker_id}), who, True)


async def follow(db: AsyncSession, who: Principal, project_id: uuid.UUID, on: bool) -> ProjectOut:
    """Follow (关注) or unfollow a project: followers are told of progress and acceptance."""
    project = await load(db, who, project_id)
    existing = await db.get(Follow, (project.id, who.id))
    if on and existing is None:
        try:
            async with db.begin_nested():
                db.add(Follow(project_id=project.id, user_id=who.id, followed_at=clock.now()))
                await db.flush()
        except IntegrityError:
            pass  # a parallel follow of the same project by the same person: followed either way
    elif not on and existing is not None:
        await db.delete(existing)
        await db.flush()
    return await render(db, project, who)
