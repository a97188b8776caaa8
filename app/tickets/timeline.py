"""The ticket's timeline (events, comments) and the notifications its moves send."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import Forbidden, _
from app.identity.principal import Principal
from app.models.identity import User
from app.models.tickets import Ticket, TicketEvent, TicketStatus, Visibility
from app.notifications.service import notify
from app.tickets.queries import load, may_see_internal
from app.tickets.schemas import CommentIn, EventOut, PersonOut


async def add_event(
    db: AsyncSession,
    ticket: Ticket,
    actor_id: uuid.UUID | None,
    kind: str,
    *,
    from_status: TicketStatus | None = None,
    to_status: TicketStatus | None = None,
    body: str | None = None,
    internal: bool = False,
    **data: Any,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        actor_id=actor_id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        visibility=Visibility.internal if internal else Visibility.public,
        body=body,
        data={k: str(v) if v is not None else None for k, v in data.items()},
        created_at=clock.now(),
    )
    db.add(event)
    return event


async def notify_ticket(
    db: AsyncSession,
    user_ids: Iterable[uuid.UUID | None],
    ticket: Ticket,
    kind: str,
    title: str,
    body: str = "",
) -> None:
    seen: set[uuid.UUID] = set()
    for user_id in user_ids:
        if user_id is None or user_id in seen:
            continue
        seen.add(user_id)
        await notify(
            db,
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            link=f"/tickets/{ticket.id}",
            data={"ticket_id": str(ticket.id), "number": ticket.number},
        )


async def comment(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: CommentIn) -> EventOut:
    ticket = await load(db, who, ticket_id)
    if body.internal and not may_see_internal(who, ticket):
        raise Forbidden(_("居民不能添加内部备注", "Residents cannot add internal notes"))
    event = await add_event(db, ticket, who.id, "comment", body=body.body, internal=body.internal)
    await db.flush()
    return EventOut(
        id=event.id,
        kind=event.kind,
        from_status=None,
        to_status=None,
        visibility=event.visibility,
        body=event.body,
        actor=PersonOut(id=who.id, name=who.user.name),
        created_at=event.created_at,
    )


async def events(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> list[EventOut]:
    """The timeline; residents see public events only, and never a phone number."""
    ticket = await load(db, who, ticket_id)
    query = (
        select(TicketEvent, User.id, User.name)
        .outerjoin(User, User.id == TicketEvent.actor_id)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.created_at, TicketEvent.seq)
    )
    if not may_see_internal(who, ticket):
        query = query.where(TicketEvent.visibility == Visibility.public)
    out = []
    for event, actor_id, actor_name in (await db.execute(query)).all():
        out.append(
            EventOut(
                id=event.id,
                kind=event.kind,
                from_status=event.from_status,
                to_status=event.to_status,
                visibility=event.visibility,
                body=event.body,
                actor=PersonOut(id=actor_id, name=actor_name) if actor_id else None,
                created_at=event.created_at,
            )
        )
    return out
