"""Moves of the SLA clock: pause for more information (待补充), extensions (延期), escalation (督办) and
auto-close. The state rules are `workflow.TRANSITIONS`'."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import workdays
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.tickets import ExtensionStatus, Ticket, TicketExtension, TicketStatus
from app.tickets.categories import category_of
from app.tickets.config import rules
from app.tickets.errors import (
    ExtensionAlreadyDecided,
    ExtensionNotFound,
    ExtensionPending,
    ExtensionUntilTooEarly,
)
from app.tickets.queries import ticket_out
from app.tickets.schemas import AnswerIn, ExtendIn, ExtensionOut, QuestionIn, TicketOut
from app.tickets.timeline import add_event, notify_ticket
from app.tickets.workflow import (
    begin,
    finish,
    move_to,
    require_transition,
    run_deadline,
    running_deadline,
)

S = TicketStatus

# Still overdue this long after the first escalation (to community staff): escalate to the street.


# ---------------------------------------------------------------- pending_info (pauses the clock)


async def request_info(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: QuestionIn) -> TicketOut:
    """待补充: ask the reporter; the SLA clock stops until they answer."""
    ticket, move, now = await begin(db, who, ticket_id, "request-info")
    ticket.paused_at = now
    ticket.resume_status = ticket.status
    before = move_to(ticket, move, now)
    told = f"工单 {ticket.number} 需要您补充信息"
    return await finish(
        db, who, ticket, "info_requested", before, now, body=body.question, tell_reporter=told
    )


async def provide_info(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: AnswerIn) -> TicketOut:
    """The reporter answers; the paused time is added back to the deadlines."""
    ticket, move, now = await begin(db, who, ticket_id, "provide-info")
    category = await category_of(db, ticket)
    paused_at = ticket.paused_at or now
    ticket.accept_by = workdays.shift_for_pause(ticket.accept_by, paused_at, now, category.working_time)
    ticket.due_at = workdays.shift_for_pause(ticket.due_at, paused_at, now, category.working_time)
    resume = ticket.resume_status or S.accepted
    ticket.paused_at = None
    ticket.resume_status = None
    before = move_to(ticket, move, now, resume)
    paused = int((now - paused_at).total_seconds())
    return await finish(
        db, who, ticket, "info_provided", before, now, body=body.answer, paused_seconds=paused
    )


# ---------------------------------------------------------------- extensions (延期)


async def request_extension(
    db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ExtendIn
) -> ExtensionOut:
    """延期申请: the handler asks staff for a later deadline (one pending request at a time)."""
    ticket, _move, now = await begin(db, who, ticket_id, "extend")
    if ticket.due_at is not None and body.until <= ticket.due_at:
        raise ExtensionUntilTooEarly(due_at=ticket.due_at.isoformat())
    pending = await db.scalar(
        select(TicketExtension.id).where(
            TicketExtension.ticket_id == ticket.id, TicketExtension.status == ExtensionStatus.pending
        )
    )
    if pending is not None:
        raise ExtensionPending()
    ext = TicketExtension(
        ticket_id=ticket.id,
        requested_by=who.id,
        until=body.until,
        reason=body.reason,
        status=ExtensionStatus.pending,
        created_at=now,
    )
    db.add(ext)
    await add_event(
        db,
        ticket,
        who.id,
        "extension_requested",
        body=body.reason,
        internal=True,
        until=body.until.isoformat(),
    )
    await db.flush()
    return ExtensionOut.model_validate(ext)


async def decide_extension(
    db: AsyncSession, who: Principal, ticket_id: uuid.UUID, extension_id: uuid.UUID, approve: bool
) -> TicketOut:
    """Approve (the deadline moves to the requested date) or refuse (it stays) a pending request."""
    ticket, _move, now = await begin(
        db, who, ticket_id, "approve-extension" if approve else "reject-extension"
    )
    ext = await db.get(TicketExtension, extension_id, with_for_update=True)
    if ext is None or ext.ticket_id != ticket.id:
        raise ExtensionNotFound()
    if ext.status is not ExtensionStatus.pending:
        raise ExtensionAlreadyDecided()
    ext.status = ExtensionStatus.approved if approve else ExtensionStatus.rejected
    ext.decided_by = who.id
    ext.decided_at = now
    if approve:
        ticket.due_at = ext.until
        ticket.updated_at = now
        run_deadline(ticket, running_deadline(ticket))
        await add_event(
            db,
            ticket,
            who.id,
            "extension_approved",
            body=f"处理期限延至 {ext.until.isoformat()}",
            until=ext.until.isoformat(),
        )
    else:
        await add_event(db, ticket, who.id, "extension_rejected", internal=True)
    await notify_ticket(
        db,
        [ext.requested_by],
        ticket,
        "ticket.extension_decided",
        f"工单 {ticket.number} 延期申请{'已批准' if approve else '未批准'}",
    )
    await db.flush()
    return ticket_out(ticket, who, now)


# ---------------------------------------------------------------- escalation and auto-close


async def _supervisors(db: AsyncSession, community_id: uuid.UUID, level: int) -> list[uuid.UUID]:
    """Level 1: the community's staff; level 2: admins of the street (any unit above the community)."""
    if level == 1:
        return await identity.staff_of(db, community_id)
    return await identity.admins_above(db, community_id)


async def escalate_overdue(db: AsyncSession, now: datetime, batch: int = 500) -> int:
    """督办: mark tickets past their running deadline overdue and escalate them level by level.

    Level 1 at the deadline (the handler and the community's staff are told), level 2 when still overdue
    LINLI_TICKETS_STREET_ESCALATION_HOURS later (the street's admins). Idempotent: a level is never raised twice.
    """
    rows = (
        await db.execute(
            select(Ticket)
            .where(
                Ticket.queue_at < now,
                or_(
                    Ticket.escalation_level == 0,
                    and_(
                        Ticket.escalation_level == 1,
                        Ticket.escalated_at <= now - timedelta(hours=rules().street_escalation_hours),
                    ),
                ),
            )
            .order_by(Ticket.queue_at, Ticket.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).scalars()
    changed = 0
    for ticket in rows:
        level = ticket.escalation_level + 1
        ticket.overdue_since = ticket.overdue_since or now
        ticket.escalation_level = level
        ticket.escalated_at = now
        stage = "受理" if ticket.status is S.submitted else "办理"
        await add_event(
            db, ticket, None, "escalated", internal=True, body=f"{stage}超时，{level}级督办", level=level
        )
        handlers: list[uuid.UUID | None] = [ticket.assignee_id]
        if ticket.assignee_id is None and ticket.department_id is not None:
            handlers.extend(await identity.handlers_of(db, ticket.department_id))
        targets = handlers + list(await _supervisors(db, ticket.community_id, level))
        await notify_ticket(
            db,
            targets,
            ticket,
            "ticket.overdue",
            f"工单 {ticket.number} {stage}超时（{level}级督办）",
            ticket.title,
        )
        changed += 1
    await db.flush()
    return changed


async def auto_close_resolved(db: AsyncSession, now: datetime, days: int | None = None) -> int:
    """Resolved tickets nobody rated within `days` (LINLI_TICKETS_AUTO_CLOSE_DAYS) close with no rating."""
    days = rules().auto_close_days if days is None else days
    rows = (
        await db.execute(
            select(Ticket)
            .where(Ticket.status == S.resolved, Ticket.resolved_at <= now - timedelta(days=days))
            .order_by(Ticket.resolved_at)
            .limit(1000)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).scalars()
    changed = 0
    for ticket in rows:
        ticket.closed_at = now
        before = move_to(ticket, require_transition(None, ticket, "auto-close"), now)
        await add_event(
            db,
            ticket,
            None,
            "auto_closed",
            from_status=before,
            to_status=S.closed,
            body=f"{days}天内未评价，系统自动办结",
        )
        changed += 1
    await db.flush()
    return changed
