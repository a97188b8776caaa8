"""The ticket state machine (工单流转): the TRANSITIONS table, the one check every move makes, and the moves
of staff and handlers. Deadline moves (pause, extension, escalation, auto-close) are in `deadlines`.

docs/tickets.md's state table is `doc_table()` (tests/tickets/test_workflow.py checks it is the same text);
print it with `python -m app.tickets.workflow` after changing the table.
"""

from __future__ import annotations

import enum
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, workdays
from app.core.errors import Forbidden, _
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.tickets import NO_DEADLINE, OPEN_STATUSES, Ticket, TicketRating, TicketStatus
from app.platform.audit import record
from app.tickets.categories import category_of, department_of
from app.tickets.config import rules
from app.tickets.errors import (
    CannotMergeIntoItself,
    InvalidAssignee,
    MergeTargetClosed,
    MergeTargetInvalid,
    NotReporter,
    NotYourTicket,
    TicketInvalidTransition,
    TicketNotFound,
)
from app.tickets.queries import handles, is_reporter, load, load_or_none, ticket_out
from app.tickets.schemas import DispatchIn, EvaluateIn, MergeIn, ReasonIn, ResolveIn, TicketOut
from app.tickets.timeline import add_event, notify_ticket

S = TicketStatus


class Actor(enum.StrEnum):
    """Who may make a move (checked before the state, so a wrong role is 403 whatever the state)."""

    staff = "staff"  # staff of the ticket's community
    handler = "handler"  # the assigned handler, or a handler of the department until someone signs
    staff_or_handler = "staff / handler"
    reporter_or_staff = "reporter / staff"  # staff stand in for a caller without the app (回访)
    job = "job"  # a periodic job, never a request


@dataclass(frozen=True)
class Transition:
    action: str  # the endpoint's verb (POST /tickets/{id}/<action>)
    label: str  # the Chinese term
    who: Actor
    sources: tuple[TicketStatus, ...]
    to: tuple[TicketStatus, ...]  # where it may lead; () = the state does not change
    note: str = ""


MOVES: tuple[Transition, ...] = (
    Transition("accept", "受理", Actor.staff, (S.submitted,), (S.accepted,), "the resolve clock starts"),
    Transition("reject", "不予受理", Actor.staff, (S.submitted, S.accepted), (S.rejected,), "with a reason"),
    Transition(
        "dispatch", "派单", Actor.staff, (S.accepted,), (S.dispatched,), "to a department and/or handler"
    ),
    Transition("start", "签收", Actor.handler, (S.dispatched,), (S.in_progress,)),
    Transition(
        "return",
        "退单",
        Actor.handler,
        (S.dispatched, S.in_progress),
        (S.accepted,),
        "assignee and department cleared",
    ),
    Transition("resolve", "答复", Actor.handler, (S.in_progress,), (S.resolved,)),
    Transition(
        "request-info",
        "待补充",
        Actor.staff_or_handler,
        (S.submitted, S.accepted, S.dispatched, S.in_progress),
        (S.pending_info,),
        "the SLA clock stops",
    ),
    Transition(
        "provide-info",
        "补充信息",
        Actor.reporter_or_staff,
        (S.pending_info,),
        (S.submitted, S.accepted, S.dispatched, S.in_progress),
        "back to the state it was paused from; the paused time is added to the deadlines",
    ),
    Transition(
        "extend",
        "延期申请",
        Actor.handler,
        (S.dispatched, S.in_progress),
        (),
        "one pending request at a time; `until` later than `due_at`",
    ),
    Transition(
        "approve-extension",
        "批准延期",
        Actor.staff,
        (S.accepted, S.dispatched, S.in_progress, S.pending_info),
        (),
        "`due_at` becomes the requested date",
    ),
    Transition("reject-extension", "驳回延期", Actor.staff, tuple(S), (), "the deadline stays"),
    Transition(
        "evaluate",
        "回访/评价",
        Actor.reporter_or_staff,
        (S.resolved,),
        (S.closed, S.accepted),
        "accepted when unsatisfied: priority + 1, new resolve deadline",
    ),
    Transition(
        "merge",
        "合并",
        Actor.staff,
        OPEN_STATUSES,
        (S.merged,),
        "points to the survivor: same community, not finished",
    ),
    Transition(
        "auto-close",
        "自动办结",
        Actor.job,
        (S.resolved,),
        (S.closed,),
        f"unrated for {rules().auto_close_days} days, no rating",
    ),
)
BY_ACTION: dict[str, Transition] = {m.action: m for m in MOVES}
# state → action → the move (with who may make it and where it leads). Anything else is 409.
TRANSITIONS: dict[TicketStatus, dict[str, Transition]] = {
    state: {m.action: m for m in MOVES if state in m.sources} for state in S
}


def doc_table() -> str:
    """The state table of docs/tickets.md, from MOVES."""
    lines = ["| move | who | from | to | notes |", "|---|---|---|---|---|"]
    for m in MOVES:
        to = ", ".join(m.to) if m.to else "(unchanged)"
        sources = "any state" if set(m.sources) == set(S) else ", ".join(m.sources)
        lines.append(f"| {m.action} {m.label} | {m.who} | {sources} | {to} | {m.note} |")
    return "\n".join(lines)


def _may(who: Principal, ticket: Ticket, actor: Actor) -> bool:
    if actor is Actor.staff:
        return who.is_staff_of(ticket.community_id)
    if actor is Actor.handler:
        return handles(who, ticket)
    if actor is Actor.staff_or_handler:
        return who.is_staff_of(ticket.community_id) or handles(who, ticket)
    if actor is Actor.reporter_or_staff:
        return is_reporter(who, ticket) or who.is_staff_of(ticket.community_id)
    return False


_REFUSALS: dict[Actor, type[Forbidden]] = {Actor.handler: NotYourTicket, Actor.reporter_or_staff: NotReporter}


def require_transition(who: Principal | None, ticket: Ticket, action: str) -> Transition:
    """The one check of every move: `who` may make it (else 403), from the ticket's state (else 409)."""
    move = BY_ACTION[action]
    if who is not None and not _may(who, ticket, move.who):
        if move.who is Actor.staff:
            raise Forbidden(_("只有本社区工作人员可以执行此操作", "Only this community's staff may do this"))
        raise _REFUSALS.get(move.who, Forbidden)()
    if who is None and move.who is not Actor.job:
        raise AssertionError(f"{action} needs a caller")
    if action not in TRANSITIONS[ticket.status]:
        raise TicketInvalidTransition(current_status=ticket.status.value)
    return move


def run_deadline(ticket: Ticket, deadline_at: datetime | None) -> None:
    """Make `deadline_at` the running deadline; a new deadline starts escalation over."""
    new = deadline_at or NO_DEADLINE
    if new != ticket.queue_at:
        ticket.overdue_since = None
        ticket.escalation_level = 0
        ticket.escalated_at = None
    ticket.queue_at = new


def running_deadline(ticket: Ticket) -> datetime | None:
    if ticket.status is S.submitted:
        return ticket.accept_by
    if ticket.status in (S.accepted, S.dispatched, S.in_progress):
        return ticket.due_at
    return None


def move_to(ticket: Ticket, move: Transition, now: datetime, to: TicketStatus | None = None) -> TicketStatus:
    """Apply `move` (to `to` where it may lead to several states); returns the state it left."""
    target = to or move.to[0]
    if target not in move.to:
        raise AssertionError(f"{move.action} does not lead to {target}")
    before = ticket.status
    ticket.status = target
    ticket.updated_at = now
    run_deadline(ticket, running_deadline(ticket))
    return before


async def begin(
    db: AsyncSession, who: Principal, ticket_id: uuid.UUID, action: str
) -> tuple[Ticket, Transition, datetime]:
    """Every move starts here: the ticket row locked (404 outside the caller's scope), the move checked."""
    ticket = await load(db, who, ticket_id, lock=True)
    return ticket, require_transition(who, ticket, action), clock.now()


async def finish(
    db: AsyncSession,
    who: Principal,
    ticket: Ticket,
    kind: str,
    before: TicketStatus | None,
    now: datetime,
    *,
    body: str | None = None,
    internal: bool = False,
    tell_reporter: str | None = None,
    **data: Any,
) -> TicketOut:
    """…and ends here: the timeline event `kind`, the reporter told (notification `ticket.<kind>`)."""
    to = ticket.status if before is not None else None
    await add_event(
        db, ticket, who.id, kind, from_status=before, to_status=to, body=body, internal=internal, **data
    )
    if tell_reporter is not None:
        await notify_ticket(db, [ticket.reporter_id], ticket, f"ticket.{kind}", tell_reporter, body or "")
    await db.flush()
    return ticket_out(ticket, who, now)


async def _audit(db: AsyncSession, who: Principal, ticket: Ticket, action: str, **data: Any) -> None:
    await record(
        db,
        actor_id=who.id,
        action=f"ticket.{action}",
        target_type="ticket",
        target_id=ticket.id,
        community_id=ticket.community_id,
        **data,
    )


# ---------------------------------------------------------------- staff moves


async def accept(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> TicketOut:
    """受理: the resolve clock starts now (routing happens at dispatch)."""
    ticket, move, now = await begin(db, who, ticket_id, "accept")
    category = await category_of(db, ticket)
    ticket.responded_at = now
    ticket.due_at = workdays.deadline(now, category.resolve_within_hours, category.working_time)
    before = move_to(ticket, move, now)
    await _audit(db, who, ticket, "accept")
    return await finish(
        db, who, ticket, "accepted", before, now, tell_reporter=f"您的工单 {ticket.number} 已受理"
    )


async def reject(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ReasonIn) -> TicketOut:
    """不予受理, with the reason the reporter sees."""
    ticket, move, now = await begin(db, who, ticket_id, "reject")
    ticket.responded_at = ticket.responded_at or now
    ticket.reject_reason = body.reason
    ticket.closed_at = now
    before = move_to(ticket, move, now)
    await _audit(db, who, ticket, "reject")
    told = f"您的工单 {ticket.number} 未予受理"
    return await finish(db, who, ticket, "rejected", before, now, body=body.reason, tell_reporter=told)


async def dispatch(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: DispatchIn) -> TicketOut:
    """派单 to a department and/or a handler; the deadline is the SLA's unless given."""
    ticket, move, now = await begin(db, who, ticket_id, "dispatch")
    department_id = body.department_id
    unit = await department_of(db, ticket.community_id, department_id) if department_id else None
    if body.assignee_id is not None:
        units = await identity.handler_units_in(db, body.assignee_id, ticket.community_id)
        if not units:
            raise InvalidAssignee()
        if department_id is None:
            department_id = units[0]
            unit = await identity.get_org_unit(db, department_id)
        elif department_id not in units:
            raise InvalidAssignee(_("处理人不属于该部门", "The assignee is not in that department"))
    if body.due_at is not None:
        ticket.due_at = body.due_at
    elif ticket.due_at is None:
        category = await category_of(db, ticket)
        ticket.due_at = workdays.deadline(now, category.resolve_within_hours, category.working_time)
    ticket.department_id = department_id
    ticket.assignee_id = body.assignee_id
    ticket.dispatched_at = now
    before = move_to(ticket, move, now)
    await _audit(db, who, ticket, "dispatch", assignee_id=body.assignee_id, department_id=department_id)
    if body.assignee_id is not None:
        targets = [body.assignee_id]
    else:
        targets = await identity.handlers_of(db, department_id) if department_id else []
    await notify_ticket(db, targets, ticket, "ticket.dispatched", f"新派工单 {ticket.number}：{ticket.title}")
    return await finish(
        db,
        who,
        ticket,
        "dispatched",
        before,
        now,
        body=f"已派单至{unit.name}" if unit else "已派单",
        department_id=department_id,
        assignee_id=body.assignee_id,
        due_at=ticket.due_at.isoformat(),
    )


async def merge(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: MergeIn) -> TicketOut:
    """Close a duplicate as `merged` into the surviving ticket; its reporter is told."""
    if body.into_id == ticket_id:
        raise CannotMergeIntoItself()
    # Lock both rows in id order so two crossing merges cannot deadlock.
    first, second = sorted([ticket_id, body.into_id])
    locked = {t.id: t for t in [await load_or_none(db, who, first), await load_or_none(db, who, second)] if t}
    ticket = locked.get(ticket_id)
    if ticket is None:
        raise TicketNotFound()
    move = require_transition(who, ticket, "merge")
    survivor = locked.get(body.into_id)
    if survivor is None or survivor.community_id != ticket.community_id:
        raise MergeTargetInvalid()
    if survivor.status in (S.merged, S.rejected, S.closed):
        raise MergeTargetClosed(current_status=survivor.status.value)
    now = clock.now()
    ticket.merged_into_id = survivor.id
    ticket.closed_at = now
    ticket.paused_at = None
    ticket.resume_status = None
    before = move_to(ticket, move, now)
    await add_event(
        db, survivor, who.id, "merged_in", body=f"工单 {ticket.number} 已并入本工单", internal=True
    )
    await _audit(db, who, ticket, "merge", into=survivor.id)
    return await finish(
        db,
        who,
        ticket,
        "merged",
        before,
        now,
        body=f"与工单 {survivor.number} 合并处理",
        tell_reporter=f"您的工单 {ticket.number} 已与 {survivor.number} 合并处理",
        into=survivor.number,
    )


# ---------------------------------------------------------------- handler moves


async def start(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> TicketOut:
    """签收: the handler takes the ticket on."""
    ticket, move, now = await begin(db, who, ticket_id, "start")
    ticket.assignee_id = who.id
    ticket.started_at = now
    return await finish(db, who, ticket, "started", move_to(ticket, move, now), now)


async def return_ticket(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ReasonIn) -> TicketOut:
    """退单: back to the dispatcher (accepted), with the reason."""
    ticket, move, now = await begin(db, who, ticket_id, "return")
    ticket.assignee_id = None
    ticket.department_id = None
    before = move_to(ticket, move, now)
    return await finish(db, who, ticket, "returned", before, now, body=body.reason, internal=True)


async def resolve(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ResolveIn) -> TicketOut:
    """答复: the handler's reply; the reporter is asked to rate it."""
    ticket, move, now = await begin(db, who, ticket_id, "resolve")
    ticket.reply = body.reply
    ticket.resolved_at = now
    before = move_to(ticket, move, now)
    told = f"您的工单 {ticket.number} 已办理，请评价"
    return await finish(db, who, ticket, "resolved", before, now, body=body.reply, tell_reporter=told)


# ---------------------------------------------------------------- rating


async def evaluate(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: EvaluateIn) -> TicketOut:
    """回访/评价: closes the ticket, or reopens it (higher priority) when unsatisfied.

    Staff record the rating for callers without the app (回访 by phone)."""
    ticket, move, now = await begin(db, who, ticket_id, "evaluate")
    ticket.rating = body.rating
    ticket.rating_comment = body.comment
    ticket.rated_at = now
    if body.rating is TicketRating.unsatisfied:
        category = await category_of(db, ticket)
        ticket.priority += 1
        ticket.due_at = workdays.deadline(now, category.resolve_within_hours, category.working_time)
        ticket.assignee_id = None
        to = S.accepted
    else:
        ticket.closed_at = now
        to = S.closed
    before = move_to(ticket, move, now, to)
    return await finish(
        db, who, ticket, "evaluated", before, now, body=body.comment, rating=body.rating.value
    )


if __name__ == "__main__":
    sys.stdout.write(doc_table() + "\n")
