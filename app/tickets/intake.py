"""Intake (受理登记): every channel files a ticket here, with its number, place and acceptance deadline."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, workdays
from app.core.errors import _
from app.grid import errors as grid_errors
from app.grid import service as grid_service
from app.identity import errors as identity_errors
from app.identity import service as identity
from app.identity.principal import Principal
from app.models.tickets import Ticket, TicketCategory, TicketChannel, TicketDayCounter, TicketStatus
from app.platform.audit import record
from app.tickets.categories import get_category
from app.tickets.errors import CategoryNotFound, ChannelNotAllowed, InvalidResident
from app.tickets.queries import ticket_out
from app.tickets.schemas import TicketIn, TicketOut
from app.tickets.timeline import add_event

S = TicketStatus


async def _next_number(db: AsyncSession, community_id: uuid.UUID, now: datetime) -> str:
    """GD20261122-0007: one counter row per community per Shanghai day, bumped atomically."""
    day = clock.local_day(now)
    stmt = (
        insert(TicketDayCounter)
        .values(community_id=community_id, day=day, last=1)
        .on_conflict_do_update(
            index_elements=[TicketDayCounter.community_id, TicketDayCounter.day],
            set_={"last": TicketDayCounter.last + 1},
        )
        .returning(TicketDayCounter.last)
    )
    seq = (await db.execute(stmt)).scalar_one()
    return f"GD{day:%Y%m%d}-{seq:04d}"


async def file_ticket(
    db: AsyncSession,
    *,
    category: TicketCategory,
    description: str,
    channel: TicketChannel,
    title: str | None = None,
    location: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    reporter_id: uuid.UUID | None = None,
    created_by: uuid.UUID | None = None,
    caller_name: str | None = None,
    caller_phone: str | None = None,
    open311_client_id: uuid.UUID | None = None,
    building_id: uuid.UUID | None = None,
    grid_id: uuid.UUID | None = None,
) -> Ticket:
    """Create a ticket in `submitted` with its number and acceptance deadline (every channel ends here)."""
    now = clock.now()
    accept_by = workdays.deadline(now, category.accept_within_hours, category.working_time)
    ticket = Ticket(
        id=uuid.uuid4(),
        number=await _next_number(db, category.community_id, now),
        community_id=category.community_id,
        category_id=category.id,
        status=S.submitted,
        priority=0,
        title=title or description.strip().splitlines()[0][:30],
        description=description,
        location=location,
        lat=lat,
        lng=lng,
        channel=channel,
        reporter_id=reporter_id,
        created_by=created_by,
        caller_name=caller_name,
        caller_phone=caller_phone,
        open311_client_id=open311_client_id,
        building_id=building_id,
        grid_id=grid_id,
        # A category routed by place goes straight to the grid's queue (its workers are its handlers).
        department_id=grid_id if category.route_to_grid and grid_id is not None else None,
        accept_by=accept_by,
        queue_at=accept_by,
        escalation_level=0,
        created_at=now,
        updated_at=now,
    )
    db.add(ticket)
    await db.flush()
    await add_event(db, ticket, created_by, "submitted", to_status=S.submitted, channel=channel.value)
    await db.flush()
    return ticket


async def create_ticket(db: AsyncSession, who: Principal, body: TicketIn) -> TicketOut:
    category = await get_category(db, body.category_id)
    staff = who.is_staff_of(category.community_id)
    channel = body.channel or (TicketChannel.hotline if staff else TicketChannel.app)
    reporter_id: uuid.UUID | None
    if channel is TicketChannel.app:
        if body.on_behalf_of or body.caller_name or body.caller_phone:
            raise ChannelNotAllowed(_("居民提交无需填写来电人信息", "Caller fields are for staff intake"))
        if who.community_id != category.community_id and not staff:
            raise CategoryNotFound()
        reporter_id = who.id
        caller_name, caller_phone = who.user.name or None, None
    elif channel in (TicketChannel.hotline, TicketChannel.walk_in):
        if not staff:
            raise ChannelNotAllowed()
        reporter_id = None
        caller_name, caller_phone = body.caller_name, body.caller_phone
        if body.on_behalf_of is not None:
            try:
                resident = await identity.get_user(db, body.on_behalf_of)
            except identity_errors.UserNotFound as exc:
                raise InvalidResident() from exc
            if resident.community_id != category.community_id:
                raise InvalidResident()
            reporter_id = resident.id
            caller_name = caller_name or resident.name
            caller_phone = caller_phone or resident.phone
    else:
        raise ChannelNotAllowed()
    building_id, grid_id = await _place(db, who, category, body.building_id, reporter_id)
    ticket = await file_ticket(
        db,
        category=category,
        description=body.description,
        channel=channel,
        title=body.title,
        location=body.location,
        lat=body.lat,
        lng=body.lng,
        reporter_id=reporter_id,
        created_by=who.id,
        caller_name=caller_name,
        caller_phone=caller_phone,
        building_id=building_id,
        grid_id=grid_id,
    )
    if staff and channel is not TicketChannel.app:
        await record(
            db,
            actor_id=who.id,
            action="ticket.intake",
            target_type="ticket",
            target_id=ticket.id,
            community_id=ticket.community_id,
            on_behalf_of=reporter_id,
            channel=channel.value,
        )
    return ticket_out(ticket, who)


async def _place(
    db: AsyncSession,
    who: Principal,
    category: TicketCategory,
    building_id: uuid.UUID | None,
    reporter_id: uuid.UUID | None,
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The building a ticket is about (chosen, else the reporter's own) and its grid; none is fine."""
    if building_id is not None:
        building = await grid_service.get_building(db, who, building_id)
        if building.community_id != category.community_id:
            raise grid_errors.BuildingNotFound()
        return building.id, building.grid_id
    if reporter_id is not None:
        home = await grid_service.current_address(db, reporter_id)
        if home is not None and home.community_id == category.community_id:
            return home.building_id, home.grid_id
    return None, None
