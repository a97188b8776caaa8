"""决议公开 and 实施结果公开: publication on the working calendar, objections (异议) answered within N
working days and escalated when late, taking effect, the published result and residents' ratings.

See `app.consultation.decisions` for the rules as a whole; this module holds everything after 决议.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.config import rules
from app.consultation.decisions import event, in_publication, load, names_of, objection_out, render, require
from app.consultation.errors import (
    AlreadyRated,
    NotResidentOf,
    ObjectionAlreadyAnswered,
    ObjectionNotFound,
    PublicationClosed,
    PublicationTooShort,
)
from app.consultation.schemas import (
    AnswerIn,
    DecisionOut,
    ObjectionIn,
    ObjectionOut,
    PublishIn,
    RatingIn,
    ResultIn,
)
from app.core import clock, workdays
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.consultation import Decision, DecisionRating, DecisionStatus, Objection
from app.notifications.service import notify
from app.platform import audit

S = DecisionStatus


# ---------------------------------------------------------------- 决议公开, objections


async def publish(db: AsyncSession, who: Principal, decision_id: uuid.UUID, body: PublishIn) -> DecisionOut:
    """决议公开: open the objection window of N working days after today."""
    d = await load(db, who, decision_id, staff=True, lock=True)
    require(d, S.resolved)
    minimum = rules().publication_days
    days = body.days if body.days is not None else minimum
    if days < minimum:
        raise PublicationTooShort(minimum=minimum)
    now = clock.now()
    d.status = S.publishing
    d.published_at = now
    d.published_by = who.id
    d.publication_text = body.text or d.content
    d.publication_days = days
    d.publication_ends_on = workdays.add_workdays(clock.local_day(now), days)
    d.updated_at = now
    await event(
        db,
        d,
        who.id,
        "published",
        f"决议公开，公示{days}个工作日，至{d.publication_ends_on:%Y-%m-%d}止；公示期内可提出异议",
        ends_on=d.publication_ends_on,
    )
    await audit.record(
        db,
        actor_id=who.id,
        action="decision.publish",
        target_type="decision",
        target_id=d.id,
        community_id=d.community_id,
    )
    return await render(db, d, who)


async def file_objection(
    db: AsyncSession, who: Principal, decision_id: uuid.UUID, body: ObjectionIn
) -> ObjectionOut:
    """异议: a resident of the community objects while the decision is in publication."""
    d = await load(db, who, decision_id, lock=True)
    if who.community_id != d.community_id:
        raise NotResidentOf()
    if not in_publication(d):
        raise PublicationClosed()
    today = clock.today()
    o = Objection(
        id=uuid.uuid4(),
        decision_id=d.id,
        community_id=d.community_id,
        user_id=who.id,
        body=body.body,
        filed_at=clock.now(),
        answer_due_on=workdays.add_workdays(today, rules().objection_answer_days),
        escalation_level=0,
    )
    db.add(o)
    await db.flush()
    await event(db, d, who.id, "objection_filed", "收到一条居民异议，待答复", objection_id=o.id)
    for staff_id in await identity.staff_of(db, d.community_id):
        await _tell(
            db, staff_id, d, "objection", f"新异议：{d.title}", f"请于{o.answer_due_on:%Y-%m-%d}前答复"
        )
    return objection_out(o, who.id, {}, False)


async def _load_objection(db: AsyncSession, who: Principal, objection_id: uuid.UUID) -> Objection:
    o = (
        await db.execute(
            select(Objection)
            .where(Objection.id == objection_id, Objection.community_id.in_(who.staff_communities))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if o is None:
        raise ObjectionNotFound()
    return o


async def answer_objection(
    db: AsyncSession, who: Principal, objection_id: uuid.UUID, body: AnswerIn
) -> ObjectionOut:
    """Staff answer an objection; the last answer after the window makes the decision effective."""
    o = await _load_objection(db, who, objection_id)
    if o.answered_at is not None:
        raise ObjectionAlreadyAnswered()
    now = clock.now()
    o.answer, o.answered_at, o.answered_by = body.answer, now, who.id
    await db.flush()
    d = await load(db, who, o.decision_id, staff=True, lock=True)
    late = o.answer_due_on < clock.local_day(now)
    await event(
        db, d, who.id, "objection_answered", "异议已答复" + ("（超期）" if late else ""), objection_id=o.id
    )
    await audit.record(
        db,
        actor_id=who.id,
        action="decision.objection.answer",
        target_type="decision_objection",
        target_id=o.id,
        community_id=d.community_id,
        on_behalf_of=None,
        decision_id=str(d.id),
    )
    await _tell(db, o.user_id, d, "objection_answered", f"您的异议已答复：{d.title}", body.answer[:100])
    await _maybe_take_effect(db, d, now)
    names = await names_of(db, {o.user_id})
    return objection_out(o, who.id, names, True)


async def _tell(
    db: AsyncSession, user_id: uuid.UUID, d: Decision, kind: str, title: str, body: str = ""
) -> None:
    await notify(
        db,
        user_id=user_id,
        kind=f"decision.{kind}",
        title=title,
        body=body,
        link=f"/pages/consultation/decision/index?id={d.id}",
        data={"decision_id": str(d.id)},
    )


async def _maybe_take_effect(db: AsyncSession, d: Decision, now: datetime) -> bool:
    """publishing → effective when the window is over and no objection waits (caller holds the lock)."""
    if d.status is not S.publishing or d.publication_ends_on is None:
        return False
    if clock.local_day(now) <= d.publication_ends_on:
        return False
    open_ = (
        await db.execute(
            select(func.count()).where(Objection.decision_id == d.id, Objection.answered_at.is_(None))
        )
    ).scalar_one()
    if open_:
        return False
    d.status = S.effective
    d.effective_at = now
    d.updated_at = now
    await event(db, d, None, "effective", "公示期满，异议均已答复，决议生效")
    return True


# ---------------------------------------------------------------- 实施结果公开, ratings


async def publish_result(
    db: AsyncSession, who: Principal, decision_id: uuid.UUID, body: ResultIn
) -> DecisionOut:
    d = await load(db, who, decision_id, staff=True, lock=True)
    require(d, S.effective)
    now = clock.now()
    d.status = S.result_published
    d.result_text = body.text
    d.result_published_at = now
    d.result_published_by = who.id
    d.updated_at = now
    await event(db, d, who.id, "result_published", "实施结果公开，欢迎居民评价")
    await audit.record(
        db,
        actor_id=who.id,
        action="decision.result",
        target_type="decision",
        target_id=d.id,
        community_id=d.community_id,
    )
    return await render(db, d, who)


async def rate(db: AsyncSession, who: Principal, decision_id: uuid.UUID, body: RatingIn) -> DecisionOut:
    """A resident of the community rates the published result, once."""
    d = await load(db, who, decision_id)
    if who.community_id != d.community_id:
        raise NotResidentOf()
    require(d, S.result_published)
    try:
        async with db.begin_nested():
            db.add(DecisionRating(decision_id=d.id, user_id=who.id, score=body.score, comment=body.comment))
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyRated() from exc
    await db.execute(
        update(Decision)
        .where(Decision.id == d.id)
        .values(rating_count=Decision.rating_count + 1, rating_sum=Decision.rating_sum + body.score)
        .execution_options(synchronize_session=False)
    )
    await db.refresh(d)
    return await render(db, d, who)


# ---------------------------------------------------------------- periodic: escalation and taking effect

# Still unanswered this many working days after the first escalation (to community staff): the street.
STREET_AFTER_WORKDAYS = 1


async def escalate_overdue_objections(db: AsyncSession, now: datetime) -> int:
    """督办: objections past their answer day go to community staff, one working day later to the street.

    Each level is claimed by an atomic UPDATE … RETURNING, so two workers never escalate one twice.
    """
    today = clock.local_day(now)
    street_due = []  # objections due before this day have had a full working day at level 1
    rows = list(
        (
            await db.execute(
                update(Objection)
                .where(
                    Objection.answered_at.is_(None),
                    Objection.answer_due_on < today,
                    Objection.escalation_level == 0,
                )
                .values(escalation_level=1, escalated_at=now)
                .returning(Objection)
                .execution_options(synchronize_session=False)
            )
        ).scalars()
    )
    level1 = [(o, 1) for o in rows]
    # Level 2: the first escalation was made on an earlier working day and the answer is still missing.
    candidates = (
        await db.execute(
            select(Objection).where(Objection.answered_at.is_(None), Objection.escalation_level == 1)
        )
    ).scalars()
    for o in candidates:
        if (
            o.escalated_at is not None
            and workdays.workdays_after(clock.local_day(o.escalated_at), today) >= STREET_AFTER_WORKDAYS
        ):
            street_due.append(o.id)
    level2: list[tuple[Objection, int]] = []
    if street_due:
        claimed = (
            await db.execute(
                update(Objection)
                .where(
                    Objection.id.in_(street_due),
                    Objection.escalation_level == 1,
                    Objection.answered_at.is_(None),
                )
                .values(escalation_level=2, escalated_at=now)
                .returning(Objection)
                .execution_options(synchronize_session=False)
            )
        ).scalars()
        level2 = [(o, 2) for o in claimed]
    for o, level in level1 + level2:
        d = await db.get(Decision, o.decision_id)
        assert d is not None
        late = workdays.workdays_after(o.answer_due_on, today)
        who_label = "社区" if level == 1 else "街道"
        await event(
            db,
            d,
            None,
            "objection_escalated",
            f"异议答复超期{late}个工作日，{who_label}督办",
            public=False,
            level=level,
        )
        targets = (
            await identity.staff_of(db, d.community_id)
            if level == 1
            else await identity.admins_above(db, d.community_id)
        )
        for user_id in dict.fromkeys(targets):
            await _tell(
                db,
                user_id,
                d,
                "objection_overdue",
                f"督办：异议答复超期（{d.title}）",
                f"应于{o.answer_due_on:%Y-%m-%d}前答复",
            )
    return len(level1) + len(level2)


async def take_effect(db: AsyncSession, now: datetime) -> int:
    """Decisions whose window has passed with every objection answered become effective (idempotent)."""
    today = clock.local_day(now)
    due = (
        await db.execute(
            select(Decision)
            .where(Decision.status == S.publishing, Decision.publication_ends_on < today)
            .order_by(Decision.id)
            .with_for_update(skip_locked=True)
        )
    ).scalars()
    changed = 0
    for d in list(due):
        if await _maybe_take_effect(db, d, now):
            changed += 1
    return changed
