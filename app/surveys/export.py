"""Every response of a survey as CSV or XLSX (one row each), through `app.core.exports`.

Named surveys: the respondent's name, when and how it was taken, who entered it. Anonymous surveys: none
of that (the tables do not have it): the channel, grid and building only, rows in no meaningful order.
Staff only; each export is audited.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.exports import Export
from app.grid import service as grid
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.surveys import QuestionKind, SurveyAnswer, SurveyQuestion, SurveyResponse
from app.platform import audit
from app.surveys import service
from app.surveys.errors import SurveyNotFound
from app.surveys.schemas import CHANNEL_LABELS, STATUS_LABELS

K = QuestionKind


def _value(q: SurveyQuestion, a: SurveyAnswer | None) -> Any:
    if a is None:
        return None
    labels = {o["key"]: o["label"] for o in q.options}
    if q.kind is K.single:
        return labels.get((a.choices or [""])[0], "")
    if q.kind is K.multiple:
        return "、".join(labels.get(k, k) for k in a.choices or ())
    if q.kind is K.ranking:
        return " > ".join(labels.get(k, k) for k in a.choices or ())
    if q.kind is K.scale:
        return int(a.number) if a.number is not None else None
    if q.kind is K.number:
        return float(a.number) if a.number is not None else None
    return a.body


async def _name(db: AsyncSession, user_id: uuid.UUID | None, cache: dict[uuid.UUID, str]) -> str:
    if user_id is None:
        return ""
    if user_id not in cache:
        try:
            cache[user_id] = (await identity.get_user(db, user_id)).name
        except NotFound:
            cache[user_id] = ""
    return cache[user_id]


async def export_of(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> Export:
    survey, staff = await service.visible_survey(db, who, survey_id)
    if not staff:
        raise SurveyNotFound()
    questions = await service._questions(db, survey.id)
    responses = list(
        (
            await db.execute(
                select(SurveyResponse)
                .where(SurveyResponse.survey_id == survey.id)
                .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
            )
        ).scalars()
    )
    answers: dict[uuid.UUID, dict[uuid.UUID, SurveyAnswer]] = defaultdict(dict)
    rows_a = await db.execute(
        select(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id)
    )
    for a in rows_a.scalars():
        answers[a.response_id][a.question_id] = a
    buildings = {b.id: b for b in await grid.buildings_of(db, survey.community_id)}
    person = [] if survey.anonymous else ["姓名", "提交时间", "录入人"]
    header = ["序号", *person, "方式", "网格", "楼栋", *[f"{q.position}. {q.title}" for q in questions]]
    names: dict[uuid.UUID, str] = {}
    rows: list[list[Any]] = []
    for n, r in enumerate(responses, start=1):
        b = buildings.get(r.building_id) if r.building_id else None
        who_cells: list[Any] = []
        if not survey.anonymous:
            who_cells = [
                await _name(db, r.respondent_id, names),
                r.submitted_at,
                await _name(db, r.entered_by, names),
            ]
        rows.append(
            [
                n,
                *who_cells,
                CHANNEL_LABELS[r.channel],
                b.grid_name if b else "",
                f"{b.compound}{b.name}" if b else "",
                *[_value(q, answers[r.id].get(q.id)) for q in questions],
            ]
        )
    await audit.record(
        db,
        actor_id=who.id,
        action="survey.export",
        target_type="survey",
        target_id=survey.id,
        community_id=survey.community_id,
        rows=len(rows),
    )
    preamble: list[list[Any]] = [
        ["问卷", survey.title],
        ["状态", STATUS_LABELS[survey.status]],
        ["匿名", survey.anonymous],
        ["份数", len(rows)],
    ]
    return Export(
        filename=f"问卷-{survey.title[:40]}", title="问卷答卷", header=header, rows=rows, preamble=preamble
    )
