"""Telling residents: reminders to the audience who have not answered (提醒, at most once a Shanghai day),
and publishing the results (公布结果), which tells those who answered.

Both go through `app.notifications.service.notify`: the inbox always, a subscribe message where the
resident granted the template (kind `survey.*`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity import members
from app.identity.principal import Principal, load_principal
from app.models.surveys import Survey, SurveyParticipation, SurveyStatus, SurveyUnit
from app.notifications import service as notifications
from app.platform import audit
from app.surveys import service
from app.surveys.errors import RemindedToday, SurveyInvalidTransition, SurveyNotFound
from app.surveys.responses import household_key_of
from app.surveys.schemas import SurveyOut

LINK = "pages/surveys/answer/index?id={id}"


async def _locked(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> Survey:
    survey = (
        await db.execute(select(Survey).where(Survey.id == survey_id).with_for_update())
    ).scalar_one_or_none()
    if survey is None or not who.is_staff_of(survey.community_id):
        raise SurveyNotFound()
    return survey


async def not_answered(db: AsyncSession, survey: Survey) -> list[uuid.UUID]:
    """Residents in the audience who (and whose household) have not answered."""
    answered = await db.execute(
        select(SurveyParticipation.user_id, SurveyParticipation.household_key).where(
            SurveyParticipation.survey_id == survey.id
        )
    )
    users: set[uuid.UUID] = set()
    households: set[str] = set()
    for user_id, key in answered.all():
        users.add(user_id)
        if key:
            households.add(key)
    out: list[uuid.UUID] = []
    for user in await members.residents_of(db, survey.community_id):
        if user.id in users:
            continue
        person = await service.person(db, await load_principal(db, user))
        if not service.in_audience(survey, person):
            continue
        if survey.one_per is SurveyUnit.household:
            key = household_key_of(survey, person.address)
            if key is not None and key in households:
                continue
        out.append(user.id)
    return out


async def remind(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> SurveyOut:
    """提醒: notify the audience who have not answered; once per Shanghai day (409 `reminded_today`)."""
    survey = await _locked(db, who, survey_id)
    if survey.status is not SurveyStatus.published:
        raise SurveyInvalidTransition()
    today = clock.today()
    if survey.last_reminded_on == today:
        raise RemindedToday()
    targets = await not_answered(db, survey)
    for user_id in targets:
        await notifications.notify(
            db,
            user_id=user_id,
            kind="survey.reminder",
            title=f"请填写问卷：{survey.title}",
            body=survey.description[:200] or "您的意见对社区很重要，请抽空填写",
            link=LINK.format(id=survey.id),
            data={"survey_id": str(survey.id)},
        )
    survey.last_reminded_on = today
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="survey.remind",
        target_type="survey",
        target_id=survey.id,
        community_id=survey.community_id,
        reminded=len(targets),
    )
    return await service.render(db, who, survey, True)


async def publish_results(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> SurveyOut:
    """公布结果: residents of the audience may read the results; those who answered are told."""
    survey = await _locked(db, who, survey_id)
    if survey.status not in (SurveyStatus.closed, SurveyStatus.archived) or survey.results_published_at:
        raise SurveyInvalidTransition()
    survey.results_published_at = clock.now()
    await db.flush()
    participants = (
        await db.execute(
            select(SurveyParticipation.user_id).where(SurveyParticipation.survey_id == survey.id)
        )
    ).scalars()
    for user_id in sorted(set(participants)):
        await notifications.notify(
            db,
            user_id=user_id,
            kind="survey.results",
            title=f"调查结果已公布：{survey.title}",
            body="感谢您的参与，点击查看结果",
            link=f"pages/surveys/results/index?id={survey.id}",
            data={"survey_id": str(survey.id)},
        )
    await audit.record(
        db,
        actor_id=who.id,
        action="survey.results_published",
        target_type="survey",
        target_id=survey.id,
        community_id=survey.community_id,
    )
    return await service.render(db, who, survey, True)
