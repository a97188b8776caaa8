"""Acceptance (验收, 管理考核) of a funded project, and rectification (整改提升) when it falls short.

The acceptance score (0–100, kept in hundredths, integers only) is, with the LINLI_PROJECTS_ACCEPTANCE_*
weights (40 / 40 / 20 by default):

    indicators  mean over the indicators of min(actual / target, 1) × 100   (目标 vs 实际)
    reviewers   the acceptance reviewers' score, 0–100                       (评审打分)
    residents   residents' satisfaction, 0–100: a figure staff enter, or computed from a linked
                survey's scale answers (`app.surveys.results.satisfaction_percent`)  (居民满意度)

    total = (w_i × indicators + w_r × reviewers + w_s × residents) / 100, rounded half up

Grade: 优秀 at or above LINLI_PROJECTS_GRADE_EXCELLENT (90), 良好 at or above _GOOD (75), 合格 at or
above the call's pass_score (60 by default), else 不合格. Under the bar the project is 整改中: every
rectification item given (or one default item owned by the project's applicant) is opened through
`app.rectifications.service.open_item` (source "project") with a deadline in working days on China's
official calendar. The outcome is published on the project's public page at once, and followers and
the team are told. A project is accepted once.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity.principal import Principal
from app.models.identity import User
from app.models.project_delivery import Acceptance, Grade, ProjectStatus
from app.models.projects import ProjectCall
from app.notifications.service import notify
from app.platform import audit
from app.projects import public
from app.projects.config import rules
from app.projects.errors import (
    AlreadyAccepted,
    ProjectInvalidTransition,
    SatisfactionAmbiguous,
    SurveyUnavailable,
)
from app.projects.schemas_delivery import (
    GRADE_LABELS,
    AcceptanceIn,
    AcceptanceOut,
    IndicatorOut,
    RectificationIn,
)
from app.rectifications import service as rectifications
from app.surveys.results import satisfaction_percent


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def indicator_centi(target: int, actual: int) -> int:
    return min(10000, _half_up(actual * 10000, target))


def grade_of(total_centi: int, pass_score: int) -> Grade:
    r = rules()
    if total_centi >= r.grade_excellent * 100:
        return Grade.excellent
    if total_centi >= r.grade_good * 100:
        return Grade.good
    if total_centi >= pass_score * 100:
        return Grade.passed
    return Grade.failed


async def _satisfaction(db: AsyncSession, community_id: uuid.UUID, body: AcceptanceIn) -> int:
    """The figure staff entered, or the one the linked survey gives; exactly one of the two."""
    if body.survey_id is None:
        if body.satisfaction is None:
            raise SurveyUnavailable()
        return body.satisfaction
    if body.satisfaction is not None:
        raise SatisfactionAmbiguous()
    figure = await satisfaction_percent(db, community_id, body.survey_id)
    if figure is None:
        raise SurveyUnavailable()
    return figure


async def accept(
    db: AsyncSession, who: Principal, project_id: uuid.UUID, body: AcceptanceIn
) -> AcceptanceOut:
    project = await public.load(db, who, project_id, staff=True, lock=True)
    if project.status is not ProjectStatus.executing:
        raise AlreadyAccepted() if project.grade is not None else ProjectInvalidTransition()
    satisfaction = await _satisfaction(db, project.community_id, body)
    call = await db.get(ProjectCall, project.call_id)
    assert call is not None
    r = rules()
    indicators = [
        IndicatorOut(
            name=i.name,
            unit=i.unit,
            target=i.target,
            actual=i.actual,
            achieved=public.centi(indicator_centi(i.target, i.actual)),
        )
        for i in body.indicators
    ]
    ind = _half_up(sum(indicator_centi(i.target, i.actual) for i in body.indicators), len(body.indicators))
    total = _half_up(
        r.acceptance_indicator_weight * ind
        + r.acceptance_reviewer_weight * body.reviewer_score * 100
        + r.acceptance_satisfaction_weight * satisfaction * 100,
        100,
    )
    grade = grade_of(total, call.pass_score)
    row = Acceptance(
        project_id=project.id,
        indicators=[i.model_dump() for i in indicators],
        indicator_centi=ind,
        reviewer_score=body.reviewer_score,
        satisfaction=satisfaction,
        survey_id=body.survey_id,
        total_centi=total,
        grade=grade,
        pass_score=call.pass_score,
        summary=body.summary,
        rectification_ids=[],
        accepted_by=who.id,
        published_at=clock.now(),
    )
    try:
        async with db.begin_nested():
            db.add(row)
            await db.flush()
    except IntegrityError as exc:  # only reachable if the row lock were bypassed
        raise AlreadyAccepted() from exc
    opened: list[str] = []
    if grade is Grade.failed:
        owner = await db.get(User, project.owner_id)
        items = body.rectifications or []
        if not items:
            items = [
                RectificationIn(
                    title=f"「{project.title}」验收未达标整改",
                    detail=f"验收得分 {public.centi(total)}，低于合格线 {call.pass_score} 分。{body.summary}".strip(),
                    owner_user_id=project.owner_id,
                )
            ]
        for item in items:
            out = await rectifications.open_item(
                db,
                community_id=project.community_id,
                source_kind="project",
                source_id=project.id,
                title=item.title,
                detail=item.detail,
                owner_user_id=item.owner_user_id,
                owner_name=item.owner_name
                or (None if item.owner_user_id else (owner.name if owner else None)),
                deadline_workdays=item.deadline_workdays or r.rectification_workdays,
                opened_by=who.id,
            )
            opened.append(str(out.id))
        row.rectification_ids = opened
        project.status = ProjectStatus.rectifying
    else:
        project.status = ProjectStatus.accepted
    project.grade = grade
    project.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project.accept",
        target_type="project",
        target_id=project.id,
        community_id=project.community_id,
        total_centi=total,
        grade=grade.value,
        rectifications=len(opened),
    )
    text = f"「{project.title}」验收结果：{GRADE_LABELS[grade]}（{public.centi(total)} 分）"
    for user_id in {project.owner_id, *await public.followers_of(db, project.id)}:
        await notify(
            db,
            user_id=user_id,
            kind="project.accepted",
            title="项目验收结果已公布",
            body=text,
            link=f"/projects/{project.id}",
        )
    return public.acceptance_out(row)
