"""Scoring a round (打分), the owners' self-assessment (自评), and closing (公布结果).

At close, for every item: the members' scores (each member × criterion) give the mean, the spread
(population standard deviation), the lowest and highest score; the owner's self-assessment gives
`self_mean`, and the gap is `self_mean − mean`. An item whose mean is below LINLI_REVIEW_THRESHOLD
(default 3.0) opens a rectification (整改) through `app.rectifications.service.open_item`, owned by the
item's owner and due in LINLI_REVIEW_RECTIFICATION_DAYS working days. Members and owners are told.
"""

from __future__ import annotations

import math
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity.principal import Principal
from app.models.review import ReviewCriterion, ReviewItem, ReviewScore, RoundStatus, SelfAssessment
from app.notifications import service as notifications
from app.platform import audit
from app.rectifications import service as rectifications
from app.review import panel, rounds
from app.review.config import rules
from app.review.errors import (
    NotItemOwner,
    NotPanelMember,
    ReviewInvalidTransition,
    ReviewRoundNotFound,
    RoundNotOpen,
    UnknownCriterion,
)
from app.review.schemas import RoundOut, ScoreIn, ScoresIn, SelfAssessmentIn

R = RoundStatus
CENT = Decimal("0.01")


def _two(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


async def _criteria_of_round(db: AsyncSession, round_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID]:
    """{criterion_id: item_id} of the round."""
    rows = await db.execute(
        select(ReviewCriterion.id, ReviewCriterion.item_id)
        .join(ReviewItem, ReviewItem.id == ReviewCriterion.item_id)
        .where(ReviewItem.round_id == round_id)
    )
    return dict(rows.all())


def _check(scores: list[ScoreIn], allowed: set[uuid.UUID]) -> None:
    ids = [s.criterion_id for s in scores]
    if len(set(ids)) != len(ids) or not set(ids) <= allowed:
        raise UnknownCriterion()


async def score(db: AsyncSession, who: Principal, round_id: uuid.UUID, body: ScoresIn) -> RoundOut:
    """A panel member scores criteria 1–5 with comments; scoring again replaces their score."""
    rnd = await rounds.visible_round(db, who, round_id, share=True)
    if not await panel.is_member(db, rnd.community_id, who.id):
        raise NotPanelMember()
    if rnd.status is not R.open:
        raise RoundNotOpen()
    criteria = await _criteria_of_round(db, rnd.id)
    _check(body.scores, set(criteria))
    now = clock.now()
    for s in sorted(body.scores, key=lambda s: s.criterion_id):
        await db.execute(
            insert(ReviewScore)
            .values(
                id=uuid.uuid4(),
                round_id=rnd.id,
                criterion_id=s.criterion_id,
                member_id=who.id,
                score=s.score,
                comment=s.comment,
                scored_at=now,
            )
            .on_conflict_do_update(
                index_elements=[ReviewScore.criterion_id, ReviewScore.member_id],
                set_={"score": s.score, "comment": s.comment, "scored_at": now},
            )
        )
    await db.flush()
    return await rounds.render(db, who, rnd)


async def self_assess(
    db: AsyncSession, who: Principal, round_id: uuid.UUID, body: SelfAssessmentIn
) -> RoundOut:
    """自评: the item's owner (or staff for them) scores the item's criteria."""
    rnd = await rounds.visible_round(db, who, round_id, share=True)
    item = await db.get(ReviewItem, body.item_id)
    if item is None or item.round_id != rnd.id:
        raise UnknownCriterion()
    if not (who.is_staff_of(rnd.community_id) or item.owner_user_id == who.id):
        raise NotItemOwner()
    if rnd.status is not R.open:
        raise RoundNotOpen()
    criteria = await _criteria_of_round(db, rnd.id)
    _check(body.scores, {c for c, i in criteria.items() if i == item.id})
    now = clock.now()
    for s in sorted(body.scores, key=lambda s: s.criterion_id):
        await db.execute(
            insert(SelfAssessment)
            .values(
                id=uuid.uuid4(),
                criterion_id=s.criterion_id,
                score=s.score,
                comment=s.comment,
                entered_by=who.id,
                entered_at=now,
            )
            .on_conflict_do_update(
                index_elements=[SelfAssessment.criterion_id],
                set_={"score": s.score, "comment": s.comment, "entered_by": who.id, "entered_at": now},
            )
        )
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="review.self_assessment",
        target_type="review_item",
        target_id=item.id,
        community_id=rnd.community_id,
    )
    return await rounds.render(db, who, rnd)


async def close(db: AsyncSession, who: Principal, round_id: uuid.UUID) -> RoundOut:
    """公布: compute and publish every item's result; low items open a rectification (staff)."""
    rnd = await rounds.visible_round(db, who, round_id, lock=True)
    if not who.is_staff_of(rnd.community_id):
        raise ReviewRoundNotFound()
    if rnd.status is not R.open:
        raise ReviewInvalidTransition()
    threshold = rules().threshold
    criteria = await _criteria_of_round(db, rnd.id)
    member_scores: dict[uuid.UUID, list[int]] = {}
    for s in (await db.execute(select(ReviewScore).where(ReviewScore.round_id == rnd.id))).scalars():
        member_scores.setdefault(criteria[s.criterion_id], []).append(s.score)
    self_scores: dict[uuid.UUID, list[int]] = {}
    if criteria:
        rows = await db.execute(select(SelfAssessment).where(SelfAssessment.criterion_id.in_(list(criteria))))
        for a in rows.scalars():
            self_scores.setdefault(criteria[a.criterion_id], []).append(a.score)
    opened = 0
    for item in await rounds.items_of(db, rnd.id):
        values = member_scores.get(item.id, [])
        item.result_count = len(values)
        if values:
            mean = sum(values) / len(values)
            item.result_mean = _two(mean)
            item.result_stddev = _two(math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)))
            item.result_min, item.result_max = min(values), max(values)
        own = self_scores.get(item.id, [])
        item.self_mean = _two(sum(own) / len(own)) if own else None
        if item.result_mean is not None and item.result_mean < threshold:
            fix = await rectifications.open_item(
                db,
                community_id=rnd.community_id,
                source_kind="review_round",
                source_id=rnd.id,
                title=f"{item.title}：评议得分 {item.result_mean}，低于 {threshold}",
                detail=f"{rnd.title}（{rnd.period}）居民评议团评议得分 {item.result_mean}，须限期整改。",
                owner_user_id=item.owner_user_id,
                owner_name=item.owner_name,
                deadline_workdays=rules().rectification_days,
                opened_by=who.id,
            )
            item.rectification_id = fix.id
            opened += 1
    rnd.status = R.closed
    rnd.closed_at = clock.now()
    rnd.closed_by = who.id
    rnd.threshold = threshold
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="review.round.close",
        target_type="review_round",
        target_id=rnd.id,
        community_id=rnd.community_id,
        rectifications=opened,
    )
    told = set(await panel.active_members(db, rnd.community_id))
    told |= {i.owner_user_id for i in await rounds.items_of(db, rnd.id) if i.owner_user_id}
    for user_id in sorted(told):
        await notifications.notify(
            db,
            user_id=user_id,
            kind="review.results",
            title=f"评议结果已公布：{rnd.title}",
            body=f"{opened} 项需整改" if opened else "各项得分均达到要求",
            link=f"pages/review/round/index?id={rnd.id}",
            data={"round_id": str(rnd.id)},
        )
    return await rounds.render(db, who, rnd)
