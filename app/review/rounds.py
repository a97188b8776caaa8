"""Review rounds (评议会, 每半年): writing them, who reads them, and how they are shown.

Who reads a round: staff of its community (everything, any state); panel members in their term and the
owners of its items (open and closed rounds; while open only their own scores); residents of the
community (closed rounds: the published results). Anyone else: 404 `review_round_not_found`.

The next round shows the previous score: at creation a round remembers the community's last closed
round, and each item shows the previous round's result of the item with the same `subject`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import NotFound
from app.core.pagination import Page, PageParams, page_of
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.review import (
    ReviewCriterion,
    ReviewItem,
    ReviewRound,
    ReviewScore,
    RoundStatus,
    SelfAssessment,
)
from app.platform import audit
from app.rectifications import service as rectifications
from app.rectifications.schemas import RectificationOut
from app.review import panel
from app.review.errors import ItemOwnerRequired, ReviewInvalidTransition, ReviewRoundNotFound
from app.review.schemas import (
    KIND_LABELS,
    ROUND_LABELS,
    CriterionOut,
    ItemOut,
    ItemResult,
    PreviousScore,
    RectificationBrief,
    RoundIn,
    RoundOut,
    RoundSummary,
)

R = RoundStatus


def _f(value: object) -> float | None:
    return float(value) if value is not None else None  # type: ignore[arg-type]


def _brief(r: RectificationOut | None) -> RectificationBrief | None:
    if r is None:
        return None
    return RectificationBrief(id=r.id, status=r.status, deadline_on=r.deadline_on, overdue=r.overdue)


async def items_of(db: AsyncSession, round_id: uuid.UUID) -> list[ReviewItem]:
    rows = await db.execute(
        select(ReviewItem).where(ReviewItem.round_id == round_id).order_by(ReviewItem.position)
    )
    return list(rows.scalars())


async def criteria_of(db: AsyncSession, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReviewCriterion]]:
    out: dict[uuid.UUID, list[ReviewCriterion]] = defaultdict(list)
    if item_ids:
        rows = await db.execute(
            select(ReviewCriterion)
            .where(ReviewCriterion.item_id.in_(item_ids))
            .order_by(ReviewCriterion.item_id, ReviewCriterion.position)
        )
        for c in rows.scalars():
            out[c.item_id].append(c)
    return out


# ---------------------------------------------------------------- scope


async def _role(db: AsyncSession, who: Principal, rnd: ReviewRound) -> tuple[bool, bool, bool]:
    """(staff, member, owner of an item) of the caller for this round."""
    staff = who.is_staff_of(rnd.community_id)
    member = await panel.is_member(db, rnd.community_id, who.id)
    owner = (
        await db.scalar(
            select(ReviewItem.id)
            .where(ReviewItem.round_id == rnd.id, ReviewItem.owner_user_id == who.id)
            .limit(1)
        )
        is not None
    )
    return staff, member, owner


async def visible_round(
    db: AsyncSession, who: Principal, round_id: uuid.UUID, *, lock: bool = False, share: bool = False
) -> ReviewRound:
    query = select(ReviewRound).where(ReviewRound.id == round_id)
    if lock or share:
        query = query.with_for_update(read=share and not lock)
    rnd = (await db.execute(query)).scalar_one_or_none()
    if rnd is None:
        raise ReviewRoundNotFound()
    staff, member, owner = await _role(db, who, rnd)
    if staff:
        return rnd
    if rnd.status is R.closed and (who.community_id == rnd.community_id or member or owner):
        return rnd
    if rnd.status is R.open and (member or owner):
        return rnd
    raise ReviewRoundNotFound()


# ---------------------------------------------------------------- rendering


async def _previous(db: AsyncSession, rnd: ReviewRound) -> dict[str, PreviousScore]:
    if rnd.previous_round_id is None:
        return {}
    prev = await db.get(ReviewRound, rnd.previous_round_id)
    if prev is None:
        return {}
    items = await items_of(db, prev.id)
    fixes = {r.id: r for r in await rectifications.items_for_sources(db, "review_round", [prev.id])}
    return {
        i.subject: PreviousScore(
            round_id=prev.id,
            round_title=prev.title,
            mean=_f(i.result_mean),
            rectification=_brief(fixes.get(i.rectification_id)) if i.rectification_id else None,
        )
        for i in items
    }


async def render(db: AsyncSession, who: Principal, rnd: ReviewRound) -> RoundOut:
    staff, member, _owner = await _role(db, who, rnd)
    items = await items_of(db, rnd.id)
    criteria = await criteria_of(db, [i.id for i in items])
    all_criteria = [c.id for cs in criteria.values() for c in cs]
    scores = (
        list((await db.execute(select(ReviewScore).where(ReviewScore.round_id == rnd.id))).scalars())
        if all_criteria
        else []
    )
    selves = (
        {
            s.criterion_id: s
            for s in (
                await db.execute(select(SelfAssessment).where(SelfAssessment.criterion_id.in_(all_criteria)))
            ).scalars()
        }
        if all_criteria
        else {}
    )
    by_criterion: dict[uuid.UUID, list[ReviewScore]] = defaultdict(list)
    for s in scores:
        by_criterion[s.criterion_id].append(s)
    published = rnd.status is R.closed
    fixes = {r.id: r for r in await rectifications.items_for_sources(db, "review_round", [rnd.id])}
    previous = await _previous(db, rnd)
    out_items: list[ItemOut] = []
    for item in items:
        mine = item.owner_user_id == who.id
        owner_name = item.owner_name or ""
        if not owner_name and item.owner_user_id:
            try:
                owner_name = (await identity.get_user(db, item.owner_user_id)).name
            except NotFound:
                owner_name = ""
        crit_out = []
        comments: list[str] = []
        for c in criteria[item.id]:
            given = by_criterion[c.id]
            my = next((s for s in given if s.member_id == who.id), None)
            show = published or staff
            self_row = selves.get(c.id)
            crit_out.append(
                CriterionOut(
                    id=c.id,
                    name=c.name,
                    my_score=my.score if my else None,
                    my_comment=my.comment if my else None,
                    mean=round(sum(s.score for s in given) / len(given), 2) if show and given else None,
                    self_score=self_row.score if self_row and (show or mine) else None,
                )
            )
            comments.extend(s.comment for s in given if s.comment)
        result = None
        if published:
            gap = None
            if item.self_mean is not None and item.result_mean is not None:
                gap = round(float(item.self_mean - item.result_mean), 2)
            result = ItemResult(
                count=item.result_count or 0,
                mean=_f(item.result_mean),
                stddev=_f(item.result_stddev),
                minimum=item.result_min,
                maximum=item.result_max,
                self_mean=_f(item.self_mean),
                gap=gap,
                below_threshold=item.result_mean is not None
                and rnd.threshold is not None
                and item.result_mean < rnd.threshold,
                rectification=_brief(fixes.get(item.rectification_id)) if item.rectification_id else None,
                comments=comments,
            )
        out_items.append(
            ItemOut(
                id=item.id,
                position=item.position,
                kind=item.kind,
                kind_label=KIND_LABELS[item.kind],
                title=item.title,
                subject=item.subject,
                owner_name=owner_name,
                mine=mine,
                criteria=crit_out,
                scored_by=len({s.member_id for c in criteria[item.id] for s in by_criterion[c.id]})
                if staff
                else None,
                result=result,
                previous=previous.get(item.subject),
            )
        )
    return RoundOut(
        **_summary(rnd).model_dump(),
        threshold=_f(rnd.threshold),
        previous_round_id=rnd.previous_round_id,
        opened_at=rnd.opened_at,
        member=member and rnd.status is R.open,
        items=out_items,
    )


def _summary(rnd: ReviewRound) -> RoundSummary:
    return RoundSummary(
        id=rnd.id,
        community_id=rnd.community_id,
        title=rnd.title,
        period=rnd.period,
        status=rnd.status,
        status_label=ROUND_LABELS[rnd.status],
        created_at=rnd.created_at,
        closed_at=rnd.closed_at,
    )


# ---------------------------------------------------------------- endpoints


async def create_round(db: AsyncSession, who: Principal, body: RoundIn) -> RoundOut:
    """A draft round with its items and criteria (staff)."""
    community_id = acting_community(who, body.community_id)
    last = await db.scalar(
        select(ReviewRound.id)
        .where(ReviewRound.community_id == community_id, ReviewRound.status == R.closed)
        .order_by(ReviewRound.closed_at.desc(), ReviewRound.id.desc())
        .limit(1)
    )
    rnd = ReviewRound(
        community_id=community_id,
        title=body.title,
        period=body.period or "",
        status=R.draft,
        previous_round_id=last,
        created_by=who.id,
    )
    db.add(rnd)
    await db.flush()
    for position, item in enumerate(body.items, start=1):
        if item.owner_user_id is None and not item.owner_name:
            raise ItemOwnerRequired(item=position)
        row = ReviewItem(
            round_id=rnd.id,
            position=position,
            kind=item.kind,
            title=item.title,
            subject=item.subject or item.title,
            owner_user_id=item.owner_user_id,
            owner_name=item.owner_name,
        )
        db.add(row)
        await db.flush()
        for n, name in enumerate(item.criteria, start=1):
            db.add(ReviewCriterion(item_id=row.id, position=n, name=name))
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="review.round.create",
        target_type="review_round",
        target_id=rnd.id,
        community_id=community_id,
    )
    return await render(db, who, rnd)


async def open_round(db: AsyncSession, who: Principal, round_id: uuid.UUID) -> RoundOut:
    """评议开始: members may score and owners self-assess (staff)."""
    rnd = await visible_round(db, who, round_id, lock=True)
    if not who.is_staff_of(rnd.community_id):
        raise ReviewRoundNotFound()
    if rnd.status is not R.draft:
        raise ReviewInvalidTransition()
    rnd.status = R.open
    rnd.opened_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="review.round.open",
        target_type="review_round",
        target_id=rnd.id,
        community_id=rnd.community_id,
    )
    return await render(db, who, rnd)


async def get_round(db: AsyncSession, who: Principal, round_id: uuid.UUID) -> RoundOut:
    return await render(db, who, await visible_round(db, who, round_id))


async def list_rounds(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: RoundStatus | None,
    community_id: uuid.UUID | None,
) -> Page[RoundSummary]:
    """Rounds newest first: staff every one; others the closed ones of their community and the open ones
    they score in (members) or are reviewed in (owners)."""
    position = params.after(datetime, uuid.UUID)
    query = select(ReviewRound)
    staff_scope = who.staff_communities
    if staff_scope:
        query = query.where(ReviewRound.community_id.in_(staff_scope))
    else:
        member = who.community_id is not None and await panel.is_member(db, who.community_id, who.id)
        owned = select(ReviewItem.round_id).where(ReviewItem.owner_user_id == who.id)
        visible = or_(
            and_(ReviewRound.community_id == who.community_id, ReviewRound.status == R.closed),
            ReviewRound.id.in_(owned) & ReviewRound.status.in_([R.open, R.closed]),
        )
        if member:
            visible = or_(
                visible, and_(ReviewRound.community_id == who.community_id, ReviewRound.status == R.open)
            )
        query = query.where(visible)
    if community_id is not None:
        query = query.where(ReviewRound.community_id == community_id)
    if status is not None:
        query = query.where(ReviewRound.status == status)
    if position is not None:
        at, last_id = position
        query = query.where(
            or_(ReviewRound.created_at < at, and_(ReviewRound.created_at == at, ReviewRound.id < last_id))
        )
    rows = list(
        (
            await db.execute(
                query.order_by(ReviewRound.created_at.desc(), ReviewRound.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda r: [r.created_at, r.id])
    return Page[RoundSummary](items=[_summary(r) for r in page.items], next_cursor=page.next_cursor)
