"""Supports (支持) and following (关注) of proposals: one support per resident of the community.

The `proposal_supports` primary key decides any race (a second insert of the same pair fails and is
409 `already_supported`); `support_count` moves by an atomic `UPDATE … SET support_count = support_count
± 1` in the same transaction as the insert or delete, so it always equals the rows. Reaching
LINLI_CONSULTATION_SUPPORT_THRESHOLD flags the proposal once (a conditional UPDATE) and tells staff.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.config import rules
from app.consultation.errors import AlreadySupported, NotAResident, NotSupportable, NotSupported, OwnProposal
from app.consultation.proposal_schemas import ProposalOut
from app.consultation.proposals import event, load, render
from app.core import clock
from app.identity import service as identity_service
from app.identity.principal import Principal
from app.models.consultation import SUPPORTABLE_STATUSES, Proposal, ProposalFollow, ProposalSupport
from app.notifications.service import notify


def _require_neighbour(who: Principal, p: Proposal) -> None:
    if who.community_id != p.community_id:
        # Staff of the community may read it, but only its residents support it.
        raise NotAResident()
    if p.author_id == who.id:
        raise OwnProposal()
    if p.status not in SUPPORTABLE_STATUSES:
        raise NotSupportable(current_status=p.status.value)


async def _maybe_flag(db: AsyncSession, p: Proposal, count: int) -> None:
    """The first time the supports reach the threshold: flag it (once, atomically) and tell staff."""
    threshold = rules().support_threshold
    if count < threshold:
        return
    flagged = (
        await db.execute(
            update(Proposal)
            .where(Proposal.id == p.id, Proposal.flagged_at.is_(None))
            .values(flagged_at=clock.now())
            .returning(Proposal.id)
        )
    ).scalar_one_or_none()
    if flagged is None:
        return
    await event(db, p, None, "flagged", f"支持人数达到{threshold}人，已提请社区处理")
    for staff_id in await identity_service.staff_of(db, p.community_id):
        await notify(
            db,
            user_id=staff_id,
            kind="proposal.flagged",
            title=f"议事提议获{threshold}人支持：{p.title}",
            body="请尽快受理并答复。",
            link=f"/pages/consultation/proposal/index?id={p.id}",
            data={"proposal_id": str(p.id)},
        )


async def support(db: AsyncSession, who: Principal, proposal_id: uuid.UUID) -> ProposalOut:
    """One support per resident (the primary key decides any race); the count moves with the row."""
    p = await load(db, who, proposal_id)
    _require_neighbour(who, p)
    try:
        async with db.begin_nested():
            db.add(ProposalSupport(proposal_id=p.id, user_id=who.id, created_at=clock.now()))
            await db.flush()
    except IntegrityError as exc:
        raise AlreadySupported() from exc
    count = (
        await db.execute(
            update(Proposal)
            .where(Proposal.id == p.id)
            .values(support_count=Proposal.support_count + 1)
            .returning(Proposal.support_count)
        )
    ).scalar_one()
    await _follow(db, p.id, who.id)
    await _maybe_flag(db, p, count)
    await db.refresh(p)
    return await render(db, p, who)


async def withdraw_support(db: AsyncSession, who: Principal, proposal_id: uuid.UUID) -> ProposalOut:
    p = await load(db, who, proposal_id)
    _require_neighbour(who, p)
    gone = (
        await db.execute(
            delete(ProposalSupport)
            .where(ProposalSupport.proposal_id == p.id, ProposalSupport.user_id == who.id)
            .returning(ProposalSupport.user_id)
        )
    ).scalar_one_or_none()
    if gone is None:
        raise NotSupported()
    await db.execute(
        update(Proposal).where(Proposal.id == p.id).values(support_count=Proposal.support_count - 1)
    )
    await db.refresh(p)
    return await render(db, p, who)


async def _follow(db: AsyncSession, proposal_id: uuid.UUID, user_id: uuid.UUID) -> None:
    exists = (
        await db.execute(
            select(func.count()).where(
                ProposalFollow.proposal_id == proposal_id, ProposalFollow.user_id == user_id
            )
        )
    ).scalar_one()
    if exists:
        return
    try:
        async with db.begin_nested():
            db.add(ProposalFollow(proposal_id=proposal_id, user_id=user_id, created_at=clock.now()))
            await db.flush()
    except IntegrityError:
        pass  # followed in a parallel request: the same outcome


async def follow(db: AsyncSession, who: Principal, proposal_id: uuid.UUID) -> ProposalOut:
    """关注: be told of every public answer on the proposal."""
    p = await load(db, who, proposal_id)
    await _follow(db, p.id, who.id)
    return await render(db, p, who)


async def unfollow(db: AsyncSession, who: Principal, proposal_id: uuid.UUID) -> ProposalOut:
    p = await load(db, who, proposal_id)
    await db.execute(
        delete(ProposalFollow).where(ProposalFollow.proposal_id == p.id, ProposalFollow.user_id == who.id)
    )
    return await render(db, p, who)
