"""四议两公开: major matters through four ordered approvals, then publication with answered objections,
then the implementation result made public.

- 四议: 党组织提议 → 两委商议 → 党员大会审议 → 居民(代表)会议决议. Each step is recorded once per meeting
  (body, day, attendance against quorum, outcome). A step is accepted only when it is the next one
  (`passed_steps + 1`): an earlier step is `step_already_passed` (no repeat after approval), a later one
  `step_skipped`. 退回上一步 undoes the previous step's approval, which must then be taken again;
  不通过 ends the matter. The decision row is locked while a step is written, and the unique
  (decision_id, seq) key backs that lock.
- 决议公开: published for N **working** days (LINLI_CONSULTATION_PUBLICATION_DAYS, default 7, on China's
  official calendar), counted from the day after publication, so a holiday inside the window lengthens
  it in calendar days. Residents of the community object (异议) until the window's last working day;
  staff answer within LINLI_CONSULTATION_OBJECTION_ANSWER_DAYS working days, else the job escalates.
- Effective once the window has passed **and** every objection is answered (the periodic job, or the
  answer to the last objection once the window is over).
- 实施结果公开: staff publish the result; residents of the community rate it 1–5, once each.

Every step is an immutable timeline entry (`decision_events`, append-only by trigger) and audited.
This module: rendering, scope, reading and 四议; `publication.py`: everything after 决议.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.errors import (
    CannotReturnFirstStep,
    DecisionInvalidTransition,
    DecisionNotFound,
    InvalidAttendance,
    InvalidStepDate,
    QuorumNotMet,
    StepAlreadyPassed,
    StepSkipped,
    VotesDoNotPass,
)
from app.consultation.schemas import (
    DecisionIn,
    DecisionOut,
    DecisionSummary,
    EventOut,
    ObjectionOut,
    StepIn,
    StepOut,
)
from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.consultation import (
    OUTCOME_LABELS,
    PUBLIC_DECISION_STATUSES,
    STEP_LABELS,
    Decision,
    DecisionEvent,
    DecisionRating,
    DecisionStatus,
    DecisionStep,
    DecisionStepRecord,
    Objection,
    StepOutcome,
)
from app.models.identity import User
from app.platform import audit

S = DecisionStatus


# ---------------------------------------------------------------- rendering


def _step_out(r: DecisionStepRecord) -> StepOut:
    step = DecisionStep(r.step)
    return StepOut(
        seq=r.seq,
        step=step,
        step_label=STEP_LABELS[step],
        body=r.body,
        held_on=r.held_on,
        members=r.members,
        attendance=r.attendance,
        quorum=r.quorum,
        quorum_met=r.attendance >= r.quorum,
        votes_for=r.votes_for,
        votes_against=r.votes_against,
        votes_abstain=r.votes_abstain,
        outcome=r.outcome,
        outcome_label=OUTCOME_LABELS[r.outcome],
        note=r.note,
        recorded_at=r.recorded_at,
    )


def objection_out(
    o: Objection, viewer: uuid.UUID | None, names: dict[uuid.UUID, str], staff: bool
) -> ObjectionOut:
    today = clock.today()
    return ObjectionOut(
        id=o.id,
        decision_id=o.decision_id,
        body=o.body,
        mine=o.user_id == viewer,
        objector_name=names.get(o.user_id) if staff else None,
        filed_at=o.filed_at,
        answer_due_on=o.answer_due_on,
        overdue=o.answered_at is None and o.answer_due_on < today,
        escalated=o.escalation_level > 0,
        answer=o.answer,
        answered_at=o.answered_at,
    )


async def names_of(db: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await db.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {r.id: r.name for r in rows}


def in_publication(d: Decision) -> bool:
    return (
        d.status is S.publishing
        and d.publication_ends_on is not None
        and clock.today() <= d.publication_ends_on
    )


def _next_step(d: Decision) -> DecisionStep | None:
    if d.status is not S.deliberating:
        return None
    return DecisionStep(d.passed_steps + 1)


async def render(db: AsyncSession, d: Decision, viewer: Principal | None) -> DecisionOut:
    """The decision as `viewer` may see it (None: the public view other domains link to)."""
    staff = viewer is not None and viewer.is_staff_of(d.community_id)
    viewer_id = viewer.id if viewer is not None else None
    steps = (
        await db.execute(
            select(DecisionStepRecord)
            .where(DecisionStepRecord.decision_id == d.id)
            .order_by(DecisionStepRecord.seq)
        )
    ).scalars()
    objections = list(
        (
            await db.execute(
                select(Objection)
                .where(Objection.decision_id == d.id)
                .order_by(Objection.filed_at, Objection.id)
            )
        ).scalars()
    )
    events_q = select(DecisionEvent).where(DecisionEvent.decision_id == d.id)
    if not staff:
        events_q = events_q.where(DecisionEvent.public.is_(True))
    events = list((await db.execute(events_q.order_by(DecisionEvent.seq))).scalars())
    names = await names_of(
        db,
        {e.actor_id for e in events if e.actor_id} | ({o.user_id for o in objections} if staff else set()),
    )
    shown = [o for o in objections if staff or (viewer_id is not None and o.user_id == viewer_id)]
    next_step = _next_step(d)
    my_rating = None
    if viewer_id is not None:
        my_rating = (
            await db.execute(
                select(DecisionRating.score).where(
                    DecisionRating.decision_id == d.id, DecisionRating.user_id == viewer_id
                )
            )
        ).scalar_one_or_none()
    return DecisionOut(
        id=d.id,
        community_id=d.community_id,
        title=d.title,
        content=d.content,
        status=d.status,
        passed_steps=d.passed_steps,
        next_step=next_step,
        next_step_label=STEP_LABELS[next_step] if next_step else None,
        steps=[_step_out(r) for r in steps],
        published_at=d.published_at,
        publication_text=d.publication_text,
        publication_days=d.publication_days,
        publication_ends_on=d.publication_ends_on,
        in_publication=in_publication(d),
        objections_total=len(objections),
        objections_open=sum(1 for o in objections if o.answered_at is None),
        objections=[objection_out(o, viewer_id, names, staff) for o in shown],
        effective_at=d.effective_at,
        result_text=d.result_text,
        result_published_at=d.result_published_at,
        rating_count=d.rating_count,
        rating_mean=round(d.rating_sum / d.rating_count, 2) if d.rating_count else None,
        my_rating=my_rating,
        timeline=[
            EventOut(
                seq=e.seq,
                kind=e.kind,
                body=e.body,
                public=e.public,
                actor_name=names.get(e.actor_id) if e.actor_id else None,
                created_at=e.created_at,
            )
            for e in events
        ],
        created_at=d.created_at,
        updated_at=d.updated_at,
    )


# ---------------------------------------------------------------- scope


def visible(who: Principal) -> Any:
    """Staff see their communities' decisions; residents see their own community's once published."""
    conds: list[Any] = []
    if who.staff_communities:
        conds.append(Decision.community_id.in_(who.staff_communities))
    if who.community_id is not None:
        conds.append(
            and_(Decision.community_id == who.community_id, Decision.status.in_(PUBLIC_DECISION_STATUSES))
        )
    return or_(*conds) if conds else Decision.id.is_(None)


async def load(
    db: AsyncSession, who: Principal, decision_id: uuid.UUID, *, staff: bool = False, lock: bool = False
) -> Decision:
    query = select(Decision).where(Decision.id == decision_id, visible(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    d = (await db.execute(query)).scalar_one_or_none()
    if d is None or (staff and not who.is_staff_of(d.community_id)):
        # A resident who can read a published decision still gets 404 on staff actions: not theirs.
        raise DecisionNotFound()
    return d


async def event(
    db: AsyncSession,
    d: Decision,
    actor_id: uuid.UUID | None,
    kind: str,
    body: str,
    *,
    public: bool = True,
    **data: Any,
) -> None:
    db.add(
        DecisionEvent(
            decision_id=d.id,
            actor_id=actor_id,
            kind=kind,
            body=body,
            public=public,
            data={k: str(v) for k, v in data.items() if v is not None},
            created_at=clock.now(),
        )
    )
    await db.flush()


def require(d: Decision, *allowed: DecisionStatus) -> None:
    if d.status not in allowed:
        raise DecisionInvalidTransition(current_status=d.status.value)


# ---------------------------------------------------------------- reading


async def get_decision(db: AsyncSession, decision_id: uuid.UUID, community_id: uuid.UUID) -> DecisionOut:
    """The public view of a decision of `community_id` (other domains link to it); else DecisionNotFound."""
    d = (
        await db.execute(
            select(Decision).where(Decision.id == decision_id, Decision.community_id == community_id)
        )
    ).scalar_one_or_none()
    if d is None:
        raise DecisionNotFound()
    return await render(db, d, None)


async def read_decision(db: AsyncSession, who: Principal, decision_id: uuid.UUID) -> DecisionOut:
    return await render(db, await load(db, who, decision_id), who)


async def list_decisions(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: DecisionStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[DecisionSummary]:
    """Newest first; residents see their community's published decisions, staff every one of theirs."""
    after = params.after(datetime, uuid.UUID)
    query = select(Decision).where(visible(who))
    if status is not None:
        query = query.where(Decision.status == status)
    if community_id is not None:
        query = query.where(Decision.community_id == community_id)
    if after is not None:
        at, last_id = after
        query = query.where((Decision.created_at, Decision.id) < (at, last_id))  # type: ignore[operator]
    rows = list(
        (
            await db.execute(
                query.order_by(Decision.created_at.desc(), Decision.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    open_counts: dict[uuid.UUID, int] = {}
    if rows:
        counted = await db.execute(
            select(Objection.decision_id, func.count())
            .where(Objection.decision_id.in_([d.id for d in rows]), Objection.answered_at.is_(None))
            .group_by(Objection.decision_id)
        )
        open_counts = {r[0]: r[1] for r in counted}
    page = page_of(rows, params, lambda d: [d.created_at, d.id])
    return Page[DecisionSummary](
        items=[
            DecisionSummary(
                id=d.id,
                community_id=d.community_id,
                title=d.title,
                status=d.status,
                passed_steps=d.passed_steps,
                publication_ends_on=d.publication_ends_on,
                objections_open=open_counts.get(d.id, 0),
                rating_mean=round(d.rating_sum / d.rating_count, 2) if d.rating_count else None,
                created_at=d.created_at,
            )
            for d in page.items
        ],
        next_cursor=page.next_cursor,
    )


# ---------------------------------------------------------------- 四议


async def create_decision(db: AsyncSession, who: Principal, body: DecisionIn) -> DecisionOut:
    community_id = acting_community(who, body.community_id)
    d = Decision(
        id=uuid.uuid4(),
        community_id=community_id,
        title=body.title,
        content=body.content,
        status=S.deliberating,
        passed_steps=0,
        steps_recorded=0,
        created_by=who.id,
    )
    db.add(d)
    await db.flush()
    await event(db, d, who.id, "created", f"立项：{d.title}", public=True)
    await audit.record(
        db,
        actor_id=who.id,
        action="decision.create",
        target_type="decision",
        target_id=d.id,
        community_id=community_id,
    )
    return await render(db, d, who)


def _check_step(body: StepIn) -> None:
    if body.held_on > clock.today():
        raise InvalidStepDate()
    votes = [v for v in (body.votes_for, body.votes_against, body.votes_abstain) if v is not None]
    if body.members is not None and body.attendance > body.members:
        raise InvalidAttendance()
    if sum(votes) > body.attendance:
        raise InvalidAttendance()
    if body.outcome is StepOutcome.passed:
        if body.attendance < body.quorum:
            raise QuorumNotMet(attendance=body.attendance, quorum=body.quorum)
        if body.votes_for is not None and body.votes_for * 2 <= body.attendance:
            raise VotesDoNotPass(votes_for=body.votes_for, attendance=body.attendance)


async def record_step(db: AsyncSession, who: Principal, decision_id: uuid.UUID, body: StepIn) -> DecisionOut:
    """Record one step's meeting; only the next step in order is accepted (the decision row is locked)."""
    d = await load(db, who, decision_id, staff=True, lock=True)
    step = int(body.step)
    if step <= d.passed_steps:
        raise StepAlreadyPassed(step=step, passed_steps=d.passed_steps)
    require(d, S.deliberating)
    if step > d.passed_steps + 1:
        raise StepSkipped(step=step, next_step=d.passed_steps + 1)
    _check_step(body)
    last_day = (
        await db.execute(
            select(func.max(DecisionStepRecord.held_on)).where(DecisionStepRecord.decision_id == d.id)
        )
    ).scalar_one_or_none()
    if last_day is not None and body.held_on < last_day:
        raise InvalidStepDate(previous=str(last_day))
    if body.outcome is StepOutcome.returned and step == 1:
        raise CannotReturnFirstStep()
    seq = d.steps_recorded + 1
    try:
        async with db.begin_nested():
            db.add(
                DecisionStepRecord(
                    decision_id=d.id,
                    seq=seq,
                    step=step,
                    body=body.body,
                    held_on=body.held_on,
                    members=body.members,
                    attendance=body.attendance,
                    quorum=body.quorum,
                    votes_for=body.votes_for,
                    votes_against=body.votes_against,
                    votes_abstain=body.votes_abstain,
                    outcome=body.outcome,
                    note=body.note,
                    recorded_by=who.id,
                    recorded_at=clock.now(),
                )
            )
            await db.flush()
    except IntegrityError as exc:  # only reachable if the lock were bypassed
        raise StepAlreadyPassed(step=step) from exc
    d.steps_recorded = seq
    label = STEP_LABELS[DecisionStep(step)]
    if body.outcome is StepOutcome.passed:
        d.passed_steps = step
        if step == DecisionStep.residents:
            d.status = S.resolved
    elif body.outcome is StepOutcome.returned:
        d.passed_steps = step - 2
    else:
        d.status = S.rejected
    d.updated_at = clock.now()
    text = f"{label}（{body.body}，{body.held_on:%Y-%m-%d}，实到{body.attendance}人/法定{body.quorum}人）：{OUTCOME_LABELS[body.outcome]}"
    await event(db, d, who.id, f"step_{body.outcome.value}", text, step=step, seq=seq)
    await audit.record(
        db,
        actor_id=who.id,
        action="decision.step",
        target_type="decision",
        target_id=d.id,
        community_id=d.community_id,
        step=step,
        outcome=body.outcome.value,
    )
    return await render(db, d, who)
