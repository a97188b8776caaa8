"""Project calls (征集): a budget cap in fen, categories, weighted criteria, dated phases, who may apply.

Phases follow the dates of an open call (Asia/Shanghai for display, compared in UTC):

    upcoming (未开始) → accepting (申报中: opens_at ≤ now < closes_at) → reviewing (评审中)
      → voting (投票中: voting_opens_at ≤ now < voting_closes_at, when the call has a vote)
      → selecting (待立项) → funded (已立项, once staff run the funding round)

Staff may keep a call as a draft (visible to staff only) and publish it; a cancelled call stays readable.
Residents of the community see published calls; staff see every call of their communities.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.exports import yuan
from app.core.pagination import Page, PageParams, page_of
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.projects import (
    ApplicationStatus,
    Ballot,
    CallCriterion,
    CallStatus,
    ProjectApplication,
    ProjectCall,
    Vote,
)
from app.platform import audit
from app.projects.errors import CallInvalidTransition, CallNotFound, InvalidCriteria, InvalidPhases
from app.projects.schemas import CALL_KIND_LABELS, PHASE_LABELS, CallIn, CallOut, CriterionOut

SUBMITTED = (
    ApplicationStatus.submitted,
    ApplicationStatus.eligible,
    ApplicationStatus.ineligible,
    ApplicationStatus.funded,
    ApplicationStatus.not_funded,
)


def yuan_text(fen: int) -> str:
    return str(yuan(fen))


def phase(call: ProjectCall, now: datetime | None = None) -> str:
    if call.status is CallStatus.draft:
        return "draft"
    if call.status is CallStatus.cancelled:
        return "cancelled"
    if call.status is CallStatus.funded:
        return "funded"
    now = now or clock.now()
    if now < call.opens_at:
        return "upcoming"
    if now < call.closes_at:
        return "accepting"
    if call.voting_opens_at is not None and call.voting_closes_at is not None:
        if now < call.voting_opens_at:
            return "reviewing"
        if now < call.voting_closes_at:
            return "voting"
        return "selecting"
    return "reviewing"


def accepting(call: ProjectCall) -> bool:
    return phase(call) == "accepting"


# ---------------------------------------------------------------- scope


def visible(who: Principal) -> Any:
    conds: list[Any] = []
    if who.staff_communities:
        conds.append(ProjectCall.community_id.in_(who.staff_communities))
    if who.community_id is not None:
        conds.append(
            and_(ProjectCall.community_id == who.community_id, ProjectCall.status != CallStatus.draft)
        )
    return or_(*conds) if conds else ProjectCall.id.is_(None)


async def load(
    db: AsyncSession, who: Principal, call_id: uuid.UUID, *, staff: bool = False, lock: bool = False
) -> ProjectCall:
    query = select(ProjectCall).where(ProjectCall.id == call_id, visible(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    call = (await db.execute(query)).scalar_one_or_none()
    if call is None or (staff and not who.is_staff_of(call.community_id)):
        raise CallNotFound()
    return call


async def criteria_of(db: AsyncSession, call_id: uuid.UUID) -> list[CallCriterion]:
    return list(
        (
            await db.execute(
                select(CallCriterion).where(CallCriterion.call_id == call_id).order_by(CallCriterion.seq)
            )
        ).scalars()
    )


async def my_picks(db: AsyncSession, call_id: uuid.UUID, user_id: uuid.UUID) -> list[uuid.UUID] | None:
    ballot = (
        await db.execute(select(Ballot.id).where(Ballot.call_id == call_id, Ballot.user_id == user_id))
    ).scalar_one_or_none()
    if ballot is None:
        return None
    return list(
        (
            await db.execute(select(Vote.application_id).where(Vote.ballot_id == ballot).order_by(Vote.id))
        ).scalars()
    )


async def render(db: AsyncSession, call: ProjectCall, viewer: Principal | None) -> CallOut:
    submitted = (
        await db.execute(
            select(func.count()).where(
                ProjectApplication.call_id == call.id, ProjectApplication.status.in_(SUBMITTED)
            )
        )
    ).scalar_one()
    p = phase(call)
    return CallOut(
        id=call.id,
        community_id=call.community_id,
        kind=call.kind,
        kind_label=CALL_KIND_LABELS[call.kind],
        title=call.title,
        description=call.description,
        status=call.status,
        phase=p,
        phase_label=PHASE_LABELS[p],
        budget_cap_fen=call.budget_cap_fen,
        budget_cap_yuan=yuan_text(call.budget_cap_fen),
        funded_fen=call.funded_fen,
        funded_yuan=yuan_text(call.funded_fen),
        categories=list(call.categories),
        criteria=[
            CriterionOut(id=c.id, seq=c.seq, name=c.name, weight=c.weight, max_score=c.max_score)
            for c in await criteria_of(db, call.id)
        ],
        open_to_residents=call.open_to_residents,
        open_to_organisations=call.open_to_organisations,
        registered_only=call.registered_only,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        review_ends_on=call.review_ends_on,
        voting_opens_at=call.voting_opens_at,
        voting_closes_at=call.voting_closes_at,
        votes_per_resident=call.votes_per_resident,
        vote_weight=call.vote_weight,
        pass_score=call.pass_score,
        applications=int(submitted),
        my_votes=await my_picks(db, call.id, viewer.id) if viewer is not None else None,
        decision_id=call.decision_id,
        funded_at=call.funded_at,
        created_at=call.created_at,
    )


# ---------------------------------------------------------------- reading


async def get_call(db: AsyncSession, who: Principal, call_id: uuid.UUID) -> CallOut:
    return await render(db, await load(db, who, call_id), who)


async def list_calls(
    db: AsyncSession, who: Principal, params: PageParams, *, status: CallStatus | None = None
) -> Page[CallOut]:
    """Newest first: residents see their community's published calls, staff every call of theirs."""
    after = params.after(datetime, uuid.UUID)
    query = select(ProjectCall).where(visible(who))
    if status is not None:
        query = query.where(ProjectCall.status == status)
    if after is not None:
        query = query.where((ProjectCall.created_at, ProjectCall.id) < after)  # type: ignore[operator]
    rows = list(
        (
            await db.execute(
                query.order_by(ProjectCall.created_at.desc(), ProjectCall.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda c: [c.created_at, c.id])
    return Page[CallOut](items=[await render(db, c, who) for c in page.items], next_cursor=page.next_cursor)


# ---------------------------------------------------------------- writing


def _check(body: CallIn) -> None:
    if sum(c.weight for c in body.criteria) != 100 or len({c.name for c in body.criteria}) != len(
        body.criteria
    ):
        raise InvalidCriteria()
    if len(set(body.categories)) != len(body.categories):
        raise InvalidCriteria(detail="类别不能重复 / categories must be distinct")
    if body.closes_at <= body.opens_at:
        raise InvalidPhases(detail="申报截止须晚于开始 / closes_at must follow opens_at")
    if (body.voting_opens_at is None) != (body.voting_closes_at is None) or (
        (body.voting_opens_at is None) != (body.votes_per_resident is None)
    ):
        raise InvalidPhases(
            detail="投票须同时给出开始、结束和每人可投数 / a vote needs its window and picks per resident"
        )
    if body.voting_opens_at is not None and body.voting_closes_at is not None:
        if body.voting_opens_at < body.closes_at or body.voting_closes_at <= body.voting_opens_at:
            raise InvalidPhases(detail="投票须在申报截止之后 / voting follows the application deadline")
    elif body.vote_weight:
        raise InvalidPhases(detail="没有投票时投票权重须为 0 / vote_weight needs a vote")
    if body.review_ends_on is not None and body.review_ends_on < clock.local_day(body.closes_at):
        raise InvalidPhases(detail="评审结束须在申报截止之后 / review ends after the deadline")
    if not (body.open_to_residents or body.open_to_organisations):
        raise InvalidPhases(detail="须允许居民或组织申报 / someone must be allowed to apply")


async def create_call(db: AsyncSession, who: Principal, body: CallIn) -> CallOut:
    community_id = acting_community(who, body.community_id)
    _check(body)
    call = ProjectCall(
        id=uuid.uuid4(),
        community_id=community_id,
        kind=body.kind,
        title=body.title,
        description=body.description,
        status=CallStatus.draft if body.draft else CallStatus.open,
        budget_cap_fen=body.budget_cap_fen,
        funded_fen=0,
        categories=list(body.categories),
        open_to_residents=body.open_to_residents,
        open_to_organisations=body.open_to_organisations,
        registered_only=body.registered_only,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        review_ends_on=body.review_ends_on,
        voting_opens_at=body.voting_opens_at,
        voting_closes_at=body.voting_closes_at,
        votes_per_resident=body.votes_per_resident,
        vote_weight=body.vote_weight,
        pass_score=body.pass_score,
        created_by=who.id,
    )
    db.add(call)
    await db.flush()
    for seq, c in enumerate(body.criteria, start=1):
        db.add(CallCriterion(call_id=call.id, seq=seq, name=c.name, weight=c.weight, max_score=c.max_score))
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project_call.create",
        target_type="project_call",
        target_id=call.id,
        community_id=community_id,
        budget_cap_fen=call.budget_cap_fen,
    )
    return await render(db, call, who)


async def publish_call(db: AsyncSession, who: Principal, call_id: uuid.UUID) -> CallOut:
    call = await load(db, who, call_id, staff=True, lock=True)
    if call.status is not CallStatus.draft:
        raise CallInvalidTransition(current_status=call.status.value)
    call.status = CallStatus.open
    call.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="project_call.publish",
        target_type="project_call",
        target_id=call.id,
        community_id=call.community_id,
    )
    return await render(db, call, who)
