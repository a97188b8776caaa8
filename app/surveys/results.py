"""Results of a survey: per-question tallies and percentages, means, free text (paged, searchable), the
breakdown by grid and building, coverage (responses ÷ registered residents) per building.

Who reads: staff of the community at any time; the audience once staff publish the results. For
anonymous surveys, and for every reader who is not staff, a grid or building with fewer than
LINLI_SURVEYS_MIN_CELL responses shows no count (`suppressed`), so a small building cannot reveal how one
household answered. `?grid_id=` / `?building_id=` compute the tallies on that place's responses only.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import Page, PageParams, page_of
from app.grid import service as grid
from app.grid.schemas import BuildingOut
from app.identity.principal import Principal
from app.models.surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyChannel,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from app.surveys import service
from app.surveys.config import rules
from app.surveys.errors import InvalidAnswer, ResultsNotPublished
from app.surveys.schemas import (
    CHANNEL_LABELS,
    ChannelCount,
    OptionTally,
    PlaceResult,
    QuestionResult,
    ScaleBucket,
    SurveyResults,
    TextAnswerOut,
)

K = QuestionKind


def _pct(n: int, d: int) -> float:
    return round(n * 100 / d, 1) if d else 0.0


async def readable(db: AsyncSession, who: Principal, survey_id: uuid.UUID) -> tuple[Survey, bool]:
    survey, staff = await service.visible_survey(db, who, survey_id)
    if not staff and survey.results_published_at is None:
        raise ResultsNotPublished()
    return survey, staff


def _tally(q: SurveyQuestion, answers: Sequence[SurveyAnswer]) -> QuestionResult:
    n = len(answers)
    out = QuestionResult(key=q.key, kind=q.kind, title=q.title, answered=n)
    labels = [(o["key"], o["label"]) for o in q.options]
    if q.kind in (K.single, K.multiple):
        counts: dict[str, int] = defaultdict(int)
        for a in answers:
            for key in a.choices or ():
                counts[key] += 1
        out.options = [
            OptionTally(key=k, label=lbl, count=counts[k], percent=_pct(counts[k], n)) for k, lbl in labels
        ]
    elif q.kind is K.ranking:
        firsts: dict[str, int] = defaultdict(int)
        ranks: dict[str, list[int]] = defaultdict(list)
        for a in answers:
            for position, key in enumerate(a.choices or (), start=1):
                ranks[key].append(position)
            if a.choices:
                firsts[a.choices[0]] += 1
        out.options = [
            OptionTally(
                key=k,
                label=lbl,
                count=firsts[k],
                percent=_pct(firsts[k], n),
                mean_rank=round(sum(ranks[k]) / len(ranks[k]), 2) if ranks[k] else None,
            )
            for k, lbl in labels
        ]
    elif q.kind in (K.scale, K.number):
        values = [a.number for a in answers if a.number is not None]
        if values:
            total = sum(values, Decimal(0))
            out.mean = round(float(total / len(values)), 2)
            out.minimum, out.maximum = float(min(values)), float(max(values))
        if q.kind is K.scale and q.scale_min is not None and q.scale_max is not None:
            points: dict[int, int] = defaultdict(int)
            for v in values:
                points[int(v)] += 1
            out.distribution = [
                ScaleBucket(value=p, count=points[p], percent=_pct(points[p], n))
                for p in range(q.scale_min, q.scale_max + 1)
            ]
    else:
        out.text_answers = n
    return out


def _audience_buildings(survey: Survey, buildings: list[BuildingOut]) -> list[BuildingOut]:
    if not (survey.audience_grid_ids or survey.audience_building_ids):
        return buildings
    return [
        b for b in buildings if b.grid_id in survey.audience_grid_ids or b.id in survey.audience_building_ids
    ]


def _place(
    pid: uuid.UUID, name: str, registered: int, responses: int, hide: bool, **extra: object
) -> PlaceResult:
    small = hide and 0 < responses < rules().min_cell
    coverage = round(responses / registered, 4) if registered and not small else None
    return PlaceResult(
        id=pid,
        name=name,
        registered=registered,
        responses=None if small else responses,
        coverage=coverage,
        coverage_percent=round(coverage * 100, 1) if coverage is not None else None,
        suppressed=small,
        **extra,
    )


async def results(
    db: AsyncSession,
    who: Principal,
    survey_id: uuid.UUID,
    *,
    grid_id: uuid.UUID | None = None,
    building_id: uuid.UUID | None = None,
) -> SurveyResults:
    survey, staff = await readable(db, who, survey_id)
    hide = survey.anonymous or not staff
    questions = await service._questions(db, survey.id)
    # Responses: place and channel of each (no person is read, whatever the survey).
    place_rows = (
        await db.execute(
            select(
                SurveyResponse.id, SurveyResponse.grid_id, SurveyResponse.building_id, SurveyResponse.channel
            ).where(SurveyResponse.survey_id == survey.id)
        )
    ).all()
    in_filter = {
        r.id
        for r in place_rows
        if (grid_id is None or r.grid_id == grid_id) and (building_id is None or r.building_id == building_id)
    }
    by_question: dict[uuid.UUID, list[SurveyAnswer]] = defaultdict(list)
    if in_filter:
        answers = (
            await db.execute(
                select(SurveyAnswer)
                .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
                .where(SurveyResponse.survey_id == survey.id)
            )
        ).scalars()
        for a in answers:
            if a.response_id in in_filter:
                by_question[a.question_id].append(a)
    channels: dict[SurveyChannel, int] = defaultdict(int)
    per_building: dict[uuid.UUID, int] = defaultdict(int)
    unplaced = 0
    for r in place_rows:
        if r.id not in in_filter:
            continue
        channels[r.channel] += 1
        if r.building_id is None:
            unplaced += 1
        else:
            per_building[r.building_id] += 1
    buildings = _audience_buildings(survey, await grid.buildings_of(db, survey.community_id))
    registered = await grid.registered_residents_per_building(db, survey.community_id)
    grid_totals: dict[uuid.UUID, list[int]] = {}
    grid_names: dict[uuid.UUID, str] = {}
    for b in buildings:
        totals = grid_totals.setdefault(b.grid_id, [0, 0])
        totals[0] += registered.get(b.id, 0)
        totals[1] += per_building.get(b.id, 0)
        grid_names[b.grid_id] = b.grid_name
    all_registered = sum(registered.get(b.id, 0) for b in buildings)
    placed = sum(per_building.get(b.id, 0) for b in buildings)
    total = len(in_filter)
    return SurveyResults(
        survey_id=survey.id,
        title=survey.title,
        status=survey.status,
        anonymous=survey.anonymous,
        results_published_at=survey.results_published_at,
        responses=total,
        filter_grid_id=grid_id,
        filter_building_id=building_id,
        by_channel=[
            ChannelCount(channel=c, label=CHANNEL_LABELS[c], count=channels[c])
            for c in SurveyChannel
            if channels[c]
        ],
        questions=[_tally(q, by_question[q.id]) for q in questions],
        grids=[
            _place(g, grid_names[g], reg, n, hide)
            for g, (reg, n) in sorted(grid_totals.items(), key=lambda kv: grid_names[kv[0]])
        ],
        buildings=[
            _place(
                b.id,
                f"{b.compound}{b.name}",
                registered.get(b.id, 0),
                per_building.get(b.id, 0),
                hide,
                grid_id=b.grid_id,
                grid_name=b.grid_name,
            )
            for b in buildings
        ],
        unplaced=unplaced,
        registered=all_registered,
        coverage=round(placed / all_registered, 4)
        if all_registered and grid_id is None and building_id is None
        else None,
        min_cell=rules().min_cell,
    )


async def text_answers(
    db: AsyncSession,
    who: Principal,
    survey_id: uuid.UUID,
    question: str | None,
    params: PageParams,
    q: str | None,
) -> Page[TextAnswerOut]:
    """Free-text answers of one question (default: the first text question), paged, optionally
    containing `q` (case-insensitive)."""
    position = params.after(uuid.UUID)
    survey, staff = await readable(db, who, survey_id)
    texts = [x for x in await service._questions(db, survey.id) if x.kind in (K.short_text, K.long_text)]
    target = next((x for x in texts if question is None or x.key == question), None)
    if target is None:
        if question is None:
            return Page[TextAnswerOut](items=[], next_cursor=None)
        raise InvalidAnswer(f"{question}: not a text question", question=question)
    query = (
        select(SurveyAnswer.id, SurveyAnswer.body, SurveyResponse.building_id)
        .join(
            SurveyResponse,
            and_(SurveyResponse.id == SurveyAnswer.response_id, SurveyResponse.survey_id == survey.id),
        )
        .where(SurveyAnswer.question_id == target.id, SurveyAnswer.body.is_not(None))
    )
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(SurveyAnswer.body.ilike(f"%{escaped}%", escape="\\"))
    if position is not None:
        query = query.where(SurveyAnswer.id > position[0])
    rows = list((await db.execute(query.order_by(SurveyAnswer.id).limit(params.limit + 1))).all())
    page = page_of(rows, params, lambda r: [r.id])
    names: dict[uuid.UUID, str] = {}
    if staff and not survey.anonymous:
        names = {b.id: f"{b.compound}{b.name}" for b in await grid.buildings_of(db, survey.community_id)}
    return Page[TextAnswerOut](
        items=[
            TextAnswerOut(
                id=r.id,
                question=target.key,
                text=r.body or "",
                building_name=names.get(r.building_id) if r.building_id else None,
            )
            for r in page.items
        ],
        next_cursor=page.next_cursor,
    )


async def response_count(db: AsyncSession, survey_id: uuid.UUID) -> int:
    return int(
        await db.scalar(
            select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
        )
        or 0
    )


async def satisfaction_percent(db: AsyncSession, community_id: uuid.UUID, survey_id: uuid.UUID) -> int | None:
    """Residents' satisfaction (满意度) from a survey, 0–100, for another domain (a project's 验收).

    Every answer to the survey's scale questions counts, each scaled to 0–100 ((value − low) ÷
    (high − low) × 100: 4 on 1–5 is 75, 9 on 0–10 is 90); the figure is their mean, exact and rounded
    half up. None when the survey is not this community's, is still a draft, or has no scale answers.
    """
    survey = await db.get(Survey, survey_id)
    if survey is None or survey.community_id != community_id or survey.status is SurveyStatus.draft:
        return None
    rows = (
        await db.execute(
            select(
                SurveyQuestion.scale_min,
                SurveyQuestion.scale_max,
                func.sum(SurveyAnswer.number - SurveyQuestion.scale_min),
                func.count(),
            )
            .join(SurveyAnswer, SurveyAnswer.question_id == SurveyQuestion.id)
            .where(
                SurveyQuestion.survey_id == survey_id,
                SurveyQuestion.kind == K.scale,
                SurveyAnswer.number.is_not(None),
            )
            .group_by(SurveyQuestion.scale_min, SurveyQuestion.scale_max)
        )
    ).all()
    answers = 0
    total = Fraction(0)
    for low, high, above_low, n in rows:  # the CHECK constraint makes low and high set on scale questions
        answers += int(n)
        total += Fraction(Decimal(above_low or 0) * 100) / (int(high or 0) - int(low or 0))
    if not answers:
        return None
    mean = total / answers
    return int(mean + Fraction(1, 2))  # half up: the mean is never negative
