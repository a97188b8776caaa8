"""Tickets (工单) as the caller may see them: scope, rendering, one ticket, the queues."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.identity.principal import Principal
from app.models.tickets import Ticket, TicketStatus
from app.tickets.errors import TicketNotFound
from app.tickets.schemas import TicketOut


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    return ticket.queue_at < now


def ticket_out(ticket: Ticket, who: Principal | None, now: datetime | None = None) -> TicketOut:
    """A ticket as `who` may see it: caller details are for the community's staff only."""
    now = now or clock.now()
    staff = who is not None and who.is_staff_of(ticket.community_id)
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        community_id=ticket.community_id,
        category_id=ticket.category_id,
        status=ticket.status,
        priority=ticket.priority,
        title=ticket.title,
        description=ticket.description,
        location=ticket.location,
        lat=ticket.lat,
        lng=ticket.lng,
        channel=ticket.channel,
        reporter_id=ticket.reporter_id,
        assignee_id=ticket.assignee_id,
        department_id=ticket.department_id,
        building_id=ticket.building_id,
        grid_id=ticket.grid_id,
        accept_by=ticket.accept_by,
        due_at=ticket.due_at,
        overdue=is_overdue(ticket, now),
        escalation_level=ticket.escalation_level,
        paused_at=ticket.paused_at,
        reply=ticket.reply,
        reject_reason=ticket.reject_reason,
        rating=ticket.rating,
        rating_comment=ticket.rating_comment,
        merged_into_id=ticket.merged_into_id,
        caller_name=ticket.caller_name if staff else None,
        caller_phone=ticket.caller_phone if staff else None,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
    )


# ---------------------------------------------------------------- scope


def visible(who: Principal) -> Any:
    """Tickets `who` may see: their community's as staff, their department's as handler, their own."""
    conds: list[Any] = [Ticket.reporter_id == who.id, Ticket.created_by == who.id]
    if who.staff_communities:
        conds.append(Ticket.community_id.in_(who.staff_communities))
    if who.handler_units:
        conds.append(Ticket.assignee_id == who.id)
        conds.append(Ticket.department_id.in_(who.handler_units))
    return or_(*conds)


async def load(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, *, lock: bool = False) -> Ticket:
    """The ticket if `who` may see it (404 `ticket_not_found` otherwise), row-locked with `lock`."""
    query = select(Ticket).where(Ticket.id == ticket_id, visible(who))
    if lock:
        query = query.with_for_update(of=Ticket).execution_options(populate_existing=True)
    ticket = (await db.execute(query)).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound()
    return ticket


async def load_or_none(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> Ticket | None:
    try:
        return await load(db, who, ticket_id, lock=True)
    except TicketNotFound:
        return None


async def get_ticket(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> TicketOut:
    return ticket_out(await load(db, who, ticket_id), who)


def may_see_internal(who: Principal, ticket: Ticket) -> bool:
    return who.is_staff_of(ticket.community_id) or handles(who, ticket)


def handles(who: Principal, ticket: Ticket) -> bool:
    """The assigned handler, or any handler of the department while nobody in it has signed."""
    if ticket.assignee_id is not None:
        return ticket.assignee_id == who.id
    return ticket.department_id is not None and ticket.department_id in who.handler_units


def is_reporter(who: Principal, ticket: Ticket) -> bool:
    return ticket.reporter_id == who.id


# ---------------------------------------------------------------- queues


@dataclass
class TicketFilters:
    status: list[TicketStatus] | None = None
    category_id: uuid.UUID | None = None
    assignee: str | None = None
    overdue: bool | None = None
    department_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None
    building_id: uuid.UUID | None = None
    q: str | None = None
    mine: bool = False


def _filtered(who: Principal, f: TicketFilters, now: datetime) -> tuple[Select[Any], bool]:
    """The caller's queue with filters; returns the query and whether it is the urgency-ordered queue."""
    query = select(Ticket)
    urgency = True
    if not who.staff_communities and not who.handler_units:
        # A resident's own tickets (staff intake on their behalf makes them the reporter too).
        query = query.where(Ticket.reporter_id == who.id)
        urgency = False
    elif f.mine:
        query = query.where(or_(Ticket.reporter_id == who.id, Ticket.created_by == who.id))
        urgency = False
    elif f.assignee == "me" or not who.staff_communities:
        if f.assignee == "me" or not who.handler_units:
            query = query.where(Ticket.assignee_id == who.id)
        else:
            query = query.where(
                or_(
                    Ticket.assignee_id == who.id,
                    and_(Ticket.assignee_id.is_(None), Ticket.department_id.in_(who.handler_units)),
                )
            )
    else:
        communities = who.staff_communities
        if f.community_id is not None:
            communities = frozenset({f.community_id} & set(communities))
        query = query.where(
            Ticket.community_id == next(iter(communities))
            if len(communities) == 1
            else Ticket.community_id.in_(communities)
        )
    if f.status:
        query = query.where(
            Ticket.status == f.status[0] if len(f.status) == 1 else Ticket.status.in_(f.status)
        )
    if f.category_id is not None:
        query = query.where(Ticket.category_id == f.category_id)
    if f.department_id is not None:
        query = query.where(Ticket.department_id == f.department_id)
    if f.grid_id is not None:
        query = query.where(Ticket.grid_id == f.grid_id)
    if f.building_id is not None:
        query = query.where(Ticket.building_id == f.building_id)
    if f.overdue is True:
        query = query.where(Ticket.queue_at < now)
    elif f.overdue is False:
        query = query.where(Ticket.queue_at >= now)
    if f.q:
        needle = f.q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Ticket.search_text.like(f"%{needle}%"))
    return query, urgency


def _key(at: datetime, ticket_id: uuid.UUID) -> Any:
    return tuple_(literal(at, Ticket.queue_at.type), literal(ticket_id, Ticket.id.type))


async def list_tickets(
    db: AsyncSession, who: Principal, f: TicketFilters, params: PageParams
) -> Page[TicketOut]:
    now = clock.now()
    query, urgency = _filtered(who, f, now)
    pos = params.after(datetime, uuid.UUID)
    if urgency:
        if pos:
            at, last_id = pos
            query = query.where(tuple_(Ticket.queue_at, Ticket.id) > _key(at, last_id))
        query = query.order_by(Ticket.queue_at, Ticket.id)
    else:
        if pos:
            at, last_id = pos
            query = query.where(tuple_(Ticket.created_at, Ticket.id) < _key(at, last_id))
        query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    rows = list((await db.execute(query.limit(params.limit + 1))).scalars())
    page = page_of(rows, params, lambda t: [t.queue_at if urgency else t.created_at, t.id])
    return Page[TicketOut](items=[ticket_out(t, who, now) for t in page.items], next_cursor=page.next_cursor)
