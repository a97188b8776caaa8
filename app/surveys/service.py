"""Surveys (问卷调查): writing them, their states, and who is asked (the audience).

States: draft → published → closed → archived (any other move is 409 `invalid_transition`). A published
survey's questions, audience, anonymity and one-per rule are frozen (409 `survey_frozen`); its title,
description and closing time may still change.

Audience: residents of the survey's community; when grids or buildings are named, those whose *current*
address is in one of them; when `min_age` is set, those at least that old by a staff-verified birth date
(`identity.service.verified_age`: a self-declared date never counts); when `role` is set, those holding
it in the community. Anyone outside the audience gets 404 `survey_not_found`, as for a survey that
does not exist. Staff of the community see every survey in every state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.core import clock
from app.core.errors import _
from app.core.pagination import Page, PageParams, page_of
from app.grid import grids as grid_lists
from app.grid import service as grid
from app.grid.schemas import CurrentAddress
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.identity import User
from app.models.surveys import Survey, SurveyParticipation, SurveyQuestion, SurveyResponse, SurveyStatus
from app.platform import audit
from app.surveys.config import rules
from app.surveys.errors import (
    InvalidAudience,
    SurveyFrozen,
    SurveyHasNoQuestions,
    SurveyInvalidTransition,
    SurveyNotFound,
)
from app.surveys.questions import build_questions, question_out
from app.surveys.schemas import (
    STATUS_LABELS,
    AudienceIn,
    AudienceOut,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
    SurveySummary,
)

S = SurveyStatus
RESIDENT_STATUSES = (S.published, S.closed)
SURVEYOR_ROLE = "surveyor"  # 调查队 (民生需求调查队), given by invitation


# ---------------------------------------------------------------- the audience


@dataclass
class Person:
    """What the audience rules read about one person."""

    user: User
    address: CurrentAddress | None
    age: int | None
    roles: frozenset[str]


async def person(db: AsyncSession, who: Principal) -> Person:
    community = who.community_id
    roles = {g.role.value for g in who.grants if community is not None and g.community_id == community}
    if who.is_staff_of(community):
        roles.add("staff")
    return Person(
        user=who.user,
        address=await grid.current_address(db, who.id),
        age=identity.verified_age(who.user, clock.today()),
        roles=frozenset(roles),
    )


def in_audience(survey: Survey, p: Person) -> bool:
    if p.user.community_id != survey.community_id:
        return False
    if survey.audience_grid_ids or survey.audience_building_ids:
        a = p.address
        if a is None or a.community_id != survey.community_id:
            return False
        if a.grid_id not in survey.audience_grid_ids and a.building_id not in survey.audience_building_ids:
            return False
    if survey.audience_min_age is not None and (p.age is None or p.age < survey.audience_min_age):
        return False
    return survey.audience_role is None or survey.audience_role in p.roles


def is_surveyor(who: Principal, community_id: uuid.UUID) -> bool:
    """A 调查队 volunteer (role `surveyor`) held in the community."""
    return any(g.role.value == SURVEYOR_ROLE and g.community_id == community_id for g in who.grants)


def _audience_sql(p: Person) -> ColumnElement[bool]:
    """The same rules as `in_audience`, as a WHERE clause on surveys (for lists)."""
    place: ColumnElement[bool] = and_(
        func.cardinality(Survey.audience_grid_ids) == 0, func.cardinality(Survey.audience_building_ids) == 0
    )
    if p.address is not None:
        place = or_(
            place,
            Survey.audience_grid_ids.any(p.address.grid_id),  # type: ignore[arg-type]
            Survey.audience_building_ids.any(p.address.building_id),  # type: ignore[arg-type]
        )
    age: ColumnElement[bool] = Survey.audience_min_age.is_(None)
    if p.age is not None:
        age = or_(age, Survey.audience_min_age <= p.age)
    role: ColumnElement[bool] = Survey.audience_role.is_(None)
    if p.roles:
        role = or_(role, Survey.audience_role.in_(sorted(p.roles)))
    return and_(Survey.community_id == p.user.community_id, place, age, role)


async def _check_audience(
    db: AsyncSession, who: Principal, community_id: uuid.UUID, body: AudienceIn
) -> None:
    grids = {g.id for g in await grid_lists.list_grids(db, who, community_id)}
    if not set(body.grid_ids) <= grids:
        raise InvalidAudience(_("网格不属于本社区", "a grid is not in this community"))
    if body.building_ids:
        buildings = {b.id for b in await grid.buildings_of(db, community_id)}
        if not set(body.building_ids) <= buildings:
            raise InvalidAudience(_("楼栋不属于本社区", "a building is not in this community"))


# ---------------------------------------------------------------- reading


async def _questions(db: AsyncSession, survey_id: uuid.UUID) -> list[SurveyQuestion]:
    rows = await db.execute(
        select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id).order_by(SurveyQuestion.position)
    )
    return list(rows.scalars())


async def has_answered(
    db: AsyncSession, survey: Survey, user_id: uuid.UUID, household_key: str | None
) -> bool:
    clause = SurveyParticipation.user_id == user_id
    if household_key is not None:
        clause = or_(clause, SurveyParticipation.household_key == household_key)
    found = await db.scalar(
        select(literal(1)).where(SurveyParticipation.survey_id == survey.id, clause).limit(1)
    )
    return found is not None


async def visible_survey(
    db: AsyncSession, who: Principal, survey_id: uuid.UUID, *, lock: bool = False, share: bool = False
) -> tuple[Survey, bool]:
    """The survey and whether `who` reads it as staff; 404 when out of scope or out of the audience."""
    query = select(Survey).where(Survey.id == survey_id)
    if lock or share:
        query = query.with_for_update(read=share and not lock)
    survey = (await db.execute(query)).scalar_one_or_none()
    if survey is None:
        raise SurveyNotFound()
    if who.is_staff_of(survey.community_id):
        return survey, True
    if survey.status in RESIDENT_STATUSES and is_surveyor(who, survey.community_id):
        return survey, False
    if survey.status not in RESIDENT_STATUSES or not in_audience(survey, await person(db, who)):
        raise SurveyNotFound()
    return survey, False


async def _staff_survey(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> Survey:
    survey = (
        await db.execute(select(Survey).where(Survey.id == survey_id).with_for_update())
    ).scalar_one_or_none()
    if survey is None or not who.is_staff_of(survey.community_id):
        raise SurveyNotFound()
    return survey


async def _answered_by(db: AsyncSession, who: Principal, survey: Survey) -> bool:
    from app.surveys.responses import household_key_of

    address = await grid.current_address(db, who.id)
    return await has_answered(db, survey, who.id, household_key_of(survey, address))


def _summary_fields(survey: Survey, questions: int, answered: bool) -> dict[str, object]:
    return {
        "id": survey.id,
        "community_id": survey.community_id,
        "title": survey.title,
        "status": survey.status,
        "status_label": STATUS_LABELS[survey.status],
        "anonymous": survey.anonymous,
        "one_per": survey.one_per,
        "closes_at": survey.closes_at,
        "published_at": survey.published_at,
        "results_published": survey.results_published_at is not None,
        "question_count": questions,
        "answered": answered,
        "created_at": survey.created_at,
    }


async def render(db: AsyncSession, who: Principal, survey: Survey, staff: bool) -> SurveyOut:
    questions = await _questions(db, survey.id)
    count = None
    if staff:
        count = int(
            await db.scalar(
                select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
            )
            or 0
        )
    return SurveyOut(
        **_summary_fields(survey, len(questions), await _answered_by(db, who, survey)),
        description=survey.description,
        audience=AudienceOut(
            grid_ids=list(survey.audience_grid_ids),
            building_ids=list(survey.audience_building_ids),
            min_age=survey.audience_min_age,
            role=survey.audience_role,
        ),
        closed_at=survey.closed_at,
        archived_at=survey.archived_at,
        results_published_at=survey.results_published_at,
        response_count=count,
        questions=[question_out(q) for q in questions],
    )


async def get_survey(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> SurveyOut:
    survey, staff = await visible_survey(db, who, survey_id)
    return await render(db, who, survey, staff)


async def list_surveys(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: SurveyStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[SurveySummary]:
    """Staff: every survey of their communities. Residents: published and closed ones they are asked."""
    position = params.after(datetime, uuid.UUID)
    staff_scope = who.staff_communities
    query = select(Survey)
    if community_id is not None and community_id in staff_scope:
        query = query.where(Survey.community_id == community_id)
    elif staff_scope and community_id is None:
        query = query.where(Survey.community_id.in_(staff_scope))
    else:
        me = await person(db, who)
        query = query.where(_audience_sql(me), Survey.status.in_(RESIDENT_STATUSES))
        if community_id is not None:
            query = query.where(Survey.community_id == community_id)
    if status is not None:
        query = query.where(Survey.status == status)
    if position is not None:
        at, last_id = position
        query = query.where(or_(Survey.created_at < at, and_(Survey.created_at == at, Survey.id < last_id)))
    rows = list(
        (
            await db.execute(
                query.order_by(Survey.created_at.desc(), Survey.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda s: [s.created_at, s.id])
    shown: list[Survey] = page.items
    counts: dict[uuid.UUID, int] = {}
    if shown:
        counts = dict(
            (
                await db.execute(
                    select(SurveyQuestion.survey_id, func.count())
                    .where(SurveyQuestion.survey_id.in_([s.id for s in shown]))
                    .group_by(SurveyQuestion.survey_id)
                )
            ).all()
        )
    items = [
        SurveySummary(**_summary_fields(s, counts.get(s.id, 0), await _answered_by(db, who, s)))
        for s in shown
    ]
    return Page[SurveySummary](items=items, next_cursor=page.next_cursor)


# ---------------------------------------------------------------- writing


async def _replace_questions(db: AsyncSession, survey: Survey, body_questions: list) -> None:  # type: ignore[type-arg]
    rows = build_questions(body_questions, rules().max_options)
    old = await _questions(db, survey.id)
    for q in old:
        await db.delete(q)
    await db.flush()
    for row in rows:
        row.survey_id = survey.id
        db.add(row)
    await db.flush()


def _set_audience(survey: Survey, body: AudienceIn) -> None:
    survey.audience_grid_ids = sorted(set(body.grid_ids))
    survey.audience_building_ids = sorted(set(body.building_ids))
    survey.audience_min_age = body.min_age
    survey.audience_role = body.role


async def create_survey(db: AsyncSession, who: Principal, body: SurveyIn) -> SurveyOut:
    """A draft survey (staff)."""
    community_id = acting_community(who, body.community_id)
    await _check_audience(db, who, community_id, body.audience)
    build_questions(body.questions, rules().max_options)  # refuse before writing anything
    survey = Survey(
        community_id=community_id,
        title=body.title,
        description=body.description,
        status=S.draft,
        anonymous=body.anonymous,
        one_per=body.one_per,
        closes_at=body.closes_at,
        created_by=who.id,
    )
    _set_audience(survey, body.audience)
    db.add(survey)
    await db.flush()
    await _replace_questions(db, survey, body.questions)
    await audit.record(
        db,
        actor_id=who.id,
        action="survey.create",
        target_type="survey",
        target_id=survey.id,
        community_id=community_id,
    )
    return await render(db, who, survey, True)


async def update_survey(
    db: AsyncSession, who: Principal, survey_id: uuid.UUID, body: SurveyPatch
) -> SurveyOut:
    survey = await _staff_survey(db, who, survey_id)
    if survey.status is S.archived:
        raise SurveyInvalidTransition()
    frozen = {"anonymous", "one_per", "audience", "questions"} & body.model_fields_set
    if frozen and survey.status is not S.draft:
        raise SurveyFrozen()
    fields = body.model_fields_set
    if "title" in fields and body.title is not None:
        survey.title = body.title
    if "description" in fields and body.description is not None:
        survey.description = body.description
    if "closes_at" in fields:
        survey.closes_at = body.closes_at
    if body.anonymous is not None:
        survey.anonymous = body.anonymous
    if body.one_per is not None:
        survey.one_per = body.one_per
    if body.audience is not None:
        await _check_audience(db, who, survey.community_id, body.audience)
        _set_audience(survey, body.audience)
    if body.questions is not None:
        await _replace_questions(db, survey, body.questions)
    survey.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="survey.update",
        target_type="survey",
        target_id=survey.id,
        community_id=survey.community_id,
        fields=",".join(sorted(fields)),
    )
    return await render(db, who, survey, True)


async def _move(
    db: AsyncSession, who: Principal, survey_id: uuid.UUID, frm: SurveyStatus, to: SurveyStatus
) -> SurveyOut:
    survey = await _staff_survey(db, who, survey_id)
    if survey.status is not frm:
        raise SurveyInvalidTransition()
    now = clock.now()
    if to is S.published:
        if not await _questions(db, survey.id):
            raise SurveyHasNoQuestions()
        survey.published_at = now
    elif to is S.closed:
        survey.closed_at = now
    elif to is S.archived:
        survey.archived_at = now
    survey.status = to
    survey.updated_at = now
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action=f"survey.{to.value}",
        target_type="survey",
        target_id=survey.id,
        community_id=survey.community_id,
    )
    return await render(db, who, survey, True)


async def publish(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> SurveyOut:
    """发布: residents in the audience may answer; the questions freeze."""
    return await _move(db, who, survey_id, S.draft, S.published)


async def close(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> SurveyOut:
    """结束: no more answers."""
    return await _move(db, who, survey_id, S.published, S.closed)


async def archive(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> SurveyOut:
    """归档: out of residents' lists, kept for the record."""
    return await _move(db, who, survey_id, S.closed, S.archived)
