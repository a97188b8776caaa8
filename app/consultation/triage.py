"""Staff triage of proposals (党委接单): accept onto the agenda, merge, decline, or turn into a ticket.

Each answer is the proposal's official answer (`answer`), a public entry of its timeline, told to the
author and to everyone following it, and audited. Only an `open` proposal is triaged (409 otherwise),
under its row lock, so two staff answering at once give one answer.

- accept: `accepted` (列入议题); a meeting takes it up as a topic later.
- merge: into another open or accepted proposal of the same community. Both rows are locked in id
  order; the merged proposal's supporters and followers join the target (its author too, as a
  supporter), and the target's count is recomputed from its rows.
- decline: `declined` (不予采纳) with the reason as the answer.
- ticket: a repair is not a matter for deliberation. The tickets service's intake files a hotline
  ticket on the author's behalf (the author is its reporter and follows it there); the proposal keeps
  the ticket's id and number.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.errors import (
    MergeTargetInvalid,
    ProposalInvalidTransition,
    ProposalNotFound,
    TriageFieldMissing,
)
from app.consultation.proposal_schemas import ProposalOut, TriageAction, TriageIn
from app.consultation.proposals import event, load, render, tell_followers
from app.core import clock
from app.identity.principal import Principal
from app.models.consultation import (
    URGENCY_LABELS,
    Proposal,
    ProposalFollow,
    ProposalStatus,
    ProposalSupport,
)
from app.models.tickets import TicketChannel
from app.platform import audit
from app.tickets import errors as ticket_errors
from app.tickets import service as tickets
from app.tickets.schemas import TicketIn, TicketOut

S = ProposalStatus
A = TriageAction


async def triage(db: AsyncSession, who: Principal, proposal_id: uuid.UUID, body: TriageIn) -> ProposalOut:
    """Answer an open proposal (staff of its community)."""
    if body.action is A.merge and body.into_id is None:
        raise TriageFieldMissing(field="into_id")
    if body.action is A.ticket and body.category_id is None:
        raise TriageFieldMissing(field="category_id")
    if body.action is A.merge:
        assert body.into_id is not None
        if body.into_id == proposal_id:
            raise MergeTargetInvalid()
        # Both rows locked in id order: two merges crossing each other cannot deadlock.
        locked: dict[uuid.UUID, Proposal] = {}
        for pid in sorted((proposal_id, body.into_id)):
            try:
                locked[pid] = await load(db, who, pid, staff=True, lock=True)
            except ProposalNotFound as exc:
                if pid == proposal_id:
                    raise
                raise MergeTargetInvalid() from exc
        p, target = locked[proposal_id], locked[body.into_id]
    else:
        p = await load(db, who, proposal_id, staff=True, lock=True)
        target = None
    if p.status is not S.open:
        raise ProposalInvalidTransition(current_status=p.status.value)
    now = clock.now()
    if body.urgency is not None and int(body.urgency) != p.urgency:
        p.urgency = int(body.urgency)
        await event(
            db, p, who.id, "urgency", f"社区将紧急程度调整为：{URGENCY_LABELS[body.urgency]}", public=True
        )
    extra: dict[str, Any] = {}
    if body.action is A.accept:
        p.status = S.accepted
        text = f"已列入议题，将提交协商议事会讨论。答复：{body.answer}"
    elif body.action is A.decline:
        p.status = S.declined
        text = f"不予采纳。理由：{body.answer}"
    elif body.action is A.merge:
        assert target is not None
        if target.community_id != p.community_id or target.status not in (S.open, S.accepted):
            raise MergeTargetInvalid()
        await _merge_supporters(db, p, target)
        p.status = S.merged
        p.merged_into_id = target.id
        extra["into_id"] = target.id
        text = f"与同类提议“{target.title}”合并办理。答复：{body.answer}"
        await event(db, target, who.id, "merged_in", f"提议“{p.title}”并入本提议", from_id=p.id)
    else:
        assert body.category_id is not None
        ticket = await _file_ticket(db, who, p, body.category_id)
        p.status = S.ticketed
        p.ticket_id = ticket.id
        p.ticket_number = ticket.number
        extra["ticket_id"] = ticket.id
        text = f"属于维修服务事项，已转为工单（{ticket.number}）办理。答复：{body.answer}"
    p.answer = body.answer
    p.answered_at = now
    p.answered_by = who.id
    p.updated_at = now
    await db.flush()
    await event(db, p, who.id, f"triage_{body.action.value}", text, **extra)
    await audit.record(
        db,
        actor_id=who.id,
        action=f"proposal.{body.action.value}",
        target_type="proposal",
        target_id=p.id,
        community_id=p.community_id,
        **extra,
    )
    await tell_followers(db, p, body.action.value, f"您关注的提议有了答复：{p.title}", text, but=who.id)
    return await render(db, p, who)


async def _merge_supporters(db: AsyncSession, p: Proposal, target: Proposal) -> None:
    """The merged proposal's supporters (and its author) support the target; its followers follow it."""
    supporters = set(
        (
            await db.execute(select(ProposalSupport.user_id).where(ProposalSupport.proposal_id == p.id))
        ).scalars()
    )
    supporters = (supporters | {p.author_id}) - {target.author_id}
    now = clock.now()
    if supporters:
        await db.execute(
            insert(ProposalSupport)
            .values([{"proposal_id": target.id, "user_id": u, "created_at": now} for u in sorted(supporters)])
            .on_conflict_do_nothing()
        )
    await db.execute(
        insert(ProposalFollow)
        .from_select(
            ["user_id", "proposal_id", "created_at"],
            select(ProposalFollow.user_id, literal(target.id), literal(now)).where(
                ProposalFollow.proposal_id == p.id
            ),
        )
        .on_conflict_do_nothing()
    )
    count = (
        await db.execute(select(func.count()).where(ProposalSupport.proposal_id == target.id))
    ).scalar_one()
    await db.execute(update(Proposal).where(Proposal.id == target.id).values(support_count=count))
    await db.refresh(target)


async def _file_ticket(db: AsyncSession, who: Principal, p: Proposal, category_id: uuid.UUID) -> TicketOut:
    """A hotline ticket through the tickets service's intake, for the author, about the same place."""
    category = await tickets.get_category(db, category_id)
    if category.community_id != p.community_id:
        raise ticket_errors.CategoryNotFound()
    description = (p.description or p.title)[:4800]
    return await tickets.create_ticket(
        db,
        who,
        TicketIn(
            category_id=category_id,
            title=p.title[:100],
            description=f"{description}\n（来自议事提议：{p.title}）",
            channel=TicketChannel.hotline,
            on_behalf_of=p.author_id,
            building_id=p.building_id,
        ),
    )
