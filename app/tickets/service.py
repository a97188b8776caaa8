"""Tickets (工单): intake, the state machine, the timeline, deadlines. Services flush, never commit."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, workdays
from app.core.database import on_rollback
from app.core.errors import Forbidden, _
from app.core.pagination import PageParams, encode_cursor
from app.grid import errors as grid_errors
from app.grid import service as grid_service
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.identity import OrgKind, OrgUnit, User
from app.models.tickets import (
    NO_DEADLINE,
    OPEN_STATUSES,
    ExtensionStatus,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketChannel,
    TicketDayCounter,
    TicketEvent,
    TicketExtension,
    TicketRating,
    TicketStatus,
    Visibility,
)
from app.notifications.service import notify
from app.platform.audit import record
from app.tickets import photos
from app.tickets.errors import (
    AttachmentNotFound,
    AttachmentTooLarge,
    CannotMergeIntoItself,
    CategoryNameTaken,
    CategoryNotFound,
    ChannelNotAllowed,
    ExtensionAlreadyDecided,
    ExtensionNotFound,
    ImageTooLarge,
    InvalidAssignee,
    InvalidDepartment,
    InvalidResident,
    NotAnImage,
    NotReporter,
    NotYourTicket,
    TicketInvalidTransition,
    TicketNotFound,
    TooManyAttachments,
)
from app.tickets.schemas import (
    AnswerIn,
    AttachmentOut,
    CategoryIn,
    CommentIn,
    DispatchIn,
    EvaluateIn,
    EventOut,
    ExtendIn,
    MergeIn,
    PersonOut,
    QuestionIn,
    ReasonIn,
    ResolveIn,
    TicketIn,
    TicketOut,
)

S = TicketStatus

# Resolved tickets not rated within this many days close by themselves.
AUTO_CLOSE_DAYS = 7
# Still overdue this long after the first escalation (to community staff): escalate to the street.
STREET_ESCALATION_AFTER = timedelta(hours=24)


# ---------------------------------------------------------------- categories


async def list_categories(
    db: AsyncSession, who: Principal, community_id: uuid.UUID | None
) -> list[TicketCategory]:
    query = select(TicketCategory).where(TicketCategory.active.is_(True))
    if community_id is not None:
        query = query.where(TicketCategory.community_id == community_id)
    else:
        mine = set(who.staff_communities) | set(who.handler_communities)
        if who.community_id:
            mine.add(who.community_id)
        query = query.where(TicketCategory.community_id.in_(mine))
    return list((await db.execute(query.order_by(TicketCategory.name))).scalars())


async def _department_of(db: AsyncSession, community_id: uuid.UUID, department_id: uuid.UUID) -> OrgUnit:
    unit = await db.get(OrgUnit, department_id)
    if (
        unit is None
        or unit.community_id != community_id
        or unit.kind not in (OrgKind.department, OrgKind.grid)
    ):
        raise InvalidDepartment()
    return unit


async def create_category(db: AsyncSession, who: Principal, body: CategoryIn) -> TicketCategory:
    community_id = acting_community(who, body.community_id)
    if body.default_department_id is not None:
        await _department_of(db, community_id, body.default_department_id)
    taken = await db.scalar(
        select(TicketCategory.id).where(
            TicketCategory.community_id == community_id, TicketCategory.name == body.name
        )
    )
    if taken is not None:
        raise CategoryNameTaken()
    category = TicketCategory(
        community_id=community_id,
        name=body.name,
        default_department_id=body.default_department_id,
        accept_within_hours=body.accept_within_hours,
        resolve_within_hours=body.resolve_within_hours,
        working_time=body.working_time,
        route_to_grid=body.route_to_grid,
    )
    db.add(category)
    await db.flush()
    await record(
        db,
        actor_id=who.id,
        action="ticket_category.create",
        target_type="ticket_category",
        target_id=category.id,
        community_id=community_id,
        name=body.name,
    )
    return category


async def get_category(db: AsyncSession, category_id: uuid.UUID) -> TicketCategory:
    category = await db.get(TicketCategory, category_id)
    if category is None or not category.active:
        raise CategoryNotFound()
    return category


# ---------------------------------------------------------------- rendering


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


# ---------------------------------------------------------------- intake


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


async def _event(
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
    await _event(db, ticket, created_by, "submitted", to_status=S.submitted, channel=channel.value)
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
            resident = await db.get(User, body.on_behalf_of)
            if resident is None or resident.community_id != category.community_id:
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


# ---------------------------------------------------------------- scope


def _visible(who: Principal) -> Any:
    """Tickets `who` may see: their community's as staff, their department's as handler, their own."""
    conds: list[Any] = [Ticket.reporter_id == who.id, Ticket.created_by == who.id]
    if who.staff_communities:
        conds.append(Ticket.community_id.in_(who.staff_communities))
    if who.handler_units:
        conds.append(Ticket.assignee_id == who.id)
        conds.append(Ticket.department_id.in_(who.handler_units))
    return or_(*conds)


async def _load(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, *, lock: bool = False) -> Ticket:
    query = select(Ticket).where(Ticket.id == ticket_id, _visible(who))
    if lock:
        query = query.with_for_update(of=Ticket).execution_options(populate_existing=True)
    ticket = (await db.execute(query)).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound()
    return ticket


async def get_ticket(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> TicketOut:
    return ticket_out(await _load(db, who, ticket_id), who)


def _may_see_internal(who: Principal, ticket: Ticket) -> bool:
    return who.is_staff_of(ticket.community_id) or _handles(who, ticket)


def _handles(who: Principal, ticket: Ticket) -> bool:
    """The assigned handler, or any handler of the department while nobody in it has signed."""
    if ticket.assignee_id is not None:
        return ticket.assignee_id == who.id
    return ticket.department_id is not None and ticket.department_id in who.handler_units


def _is_reporter(who: Principal, ticket: Ticket) -> bool:
    return ticket.reporter_id == who.id


def _require(ticket: Ticket, *allowed: TicketStatus) -> None:
    if ticket.status not in allowed:
        raise TicketInvalidTransition(current_status=ticket.status.value)


def _require_staff(who: Principal, ticket: Ticket) -> None:
    if not who.is_staff_of(ticket.community_id):
        raise Forbidden(_("只有本社区工作人员可以执行此操作", "Only this community's staff may do this"))


# ---------------------------------------------------------------- deadlines


async def _category(db: AsyncSession, ticket: Ticket) -> TicketCategory:
    category = await db.get(TicketCategory, ticket.category_id)
    assert category is not None
    return category


def _run_deadline(ticket: Ticket, deadline_at: datetime | None) -> None:
    """Make `deadline_at` the running deadline; a new deadline starts escalation over."""
    new = deadline_at or NO_DEADLINE
    if new != ticket.queue_at:
        ticket.overdue_since = None
        ticket.escalation_level = 0
        ticket.escalated_at = None
    ticket.queue_at = new


def _running_deadline(ticket: Ticket) -> datetime | None:
    if ticket.status is S.submitted:
        return ticket.accept_by
    if ticket.status in (S.accepted, S.dispatched, S.in_progress):
        return ticket.due_at
    return None


def _move(ticket: Ticket, to: TicketStatus, now: datetime) -> TicketStatus:
    before = ticket.status
    ticket.status = to
    ticket.updated_at = now
    _run_deadline(ticket, _running_deadline(ticket))
    return before


# ---------------------------------------------------------------- staff moves


async def _notify_ticket(
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


async def accept(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> TicketOut:
    """受理: the resolve clock starts now."""
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_staff(who, ticket)
    _require(ticket, S.submitted)
    now = clock.now()
    category = await _category(db, ticket)
    ticket.responded_at = now
    ticket.due_at = workdays.deadline(now, category.resolve_within_hours, category.working_time)
    if ticket.department_id is None:
        ticket.department_id = None  # routing happens at dispatch (default department suggested there)
    before = _move(ticket, S.accepted, now)
    await _event(db, ticket, who.id, "accepted", from_status=before, to_status=S.accepted)
    await record(
        db,
        actor_id=who.id,
        action="ticket.accept",
        target_type="ticket",
        target_id=ticket.id,
        community_id=ticket.community_id,
    )
    await _notify_ticket(
        db, [ticket.reporter_id], ticket, "ticket.accepted", f"您的工单 {ticket.number} 已受理"
    )
    await db.flush()
    return ticket_out(ticket, who, now)


async def reject(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ReasonIn) -> TicketOut:
    """不予受理, with the reason the reporter sees."""
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_staff(who, ticket)
    _require(ticket, S.submitted, S.accepted)
    now = clock.now()
    ticket.responded_at = ticket.responded_at or now
    ticket.reject_reason = body.reason
    ticket.closed_at = now
    before = _move(ticket, S.rejected, now)
    await _event(db, ticket, who.id, "rejected", from_status=before, to_status=S.rejected, body=body.reason)
    await record(
        db,
        actor_id=who.id,
        action="ticket.reject",
        target_type="ticket",
        target_id=ticket.id,
        community_id=ticket.community_id,
    )
    await _notify_ticket(
        db, [ticket.reporter_id], ticket, "ticket.rejected", f"您的工单 {ticket.number} 未予受理", body.reason
    )
    await db.flush()
    return ticket_out(ticket, who, now)


async def dispatch(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: DispatchIn) -> TicketOut:
    """派单 to a department and/or a handler; the deadline is the SLA's unless given."""
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_staff(who, ticket)
    _require(ticket, S.accepted)
    now = clock.now()
    department_id = body.department_id
    if department_id is not None:
        await _department_of(db, ticket.community_id, department_id)
    if body.assignee_id is not None:
        units = await identity.handler_units_in(db, body.assignee_id, ticket.community_id)
        if not units:
            raise InvalidAssignee()
        if department_id is None:
            department_id = units[0]
        elif department_id not in units:
            raise InvalidAssignee(_("处理人不属于该部门", "The assignee is not in that department"))
    if body.due_at is not None:
        ticket.due_at = body.due_at
    elif ticket.due_at is None:
        category = await _category(db, ticket)
        ticket.due_at = workdays.deadline(now, category.resolve_within_hours, category.working_time)
    ticket.department_id = department_id
    ticket.assignee_id = body.assignee_id
    ticket.dispatched_at = now
    before = _move(ticket, S.dispatched, now)
    unit = await db.get(OrgUnit, department_id) if department_id else None
    await _event(
        db,
        ticket,
        who.id,
        "dispatched",
        from_status=before,
        to_status=S.dispatched,
        body=f"已派单至{unit.name}" if unit else "已派单",
        department_id=department_id,
        assignee_id=body.assignee_id,
        due_at=ticket.due_at.isoformat(),
    )
    await record(
        db,
        actor_id=who.id,
        action="ticket.dispatch",
        target_type="ticket",
        target_id=ticket.id,
        community_id=ticket.community_id,
        assignee_id=body.assignee_id,
        department_id=department_id,
    )
    targets = [body.assignee_id] if body.assignee_id else await identity.handlers_of(db, department_id)  # type: ignore[arg-type]
    await _notify_ticket(
        db, targets, ticket, "ticket.dispatched", f"新派工单 {ticket.number}：{ticket.title}"
    )
    await db.flush()
    return ticket_out(ticket, who, now)


# ---------------------------------------------------------------- handler moves


def _require_handler(who: Principal, ticket: Ticket) -> None:
    if not _handles(who, ticket):
        raise NotYourTicket()


async def start(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> TicketOut:
    """签收: the handler takes the ticket on."""
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_handler(who, ticket)
    _require(ticket, S.dispatched)
    now = clock.now()
    ticket.assignee_id = who.id
    ticket.started_at = now
    before = _move(ticket, S.in_progress, now)
    await _event(db, ticket, who.id, "started", from_status=before, to_status=S.in_progress)
    await db.flush()
    return ticket_out(ticket, who, now)


async def return_ticket(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ReasonIn) -> TicketOut:
    """退单: back to the dispatcher (accepted), with the reason."""
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_handler(who, ticket)
    _require(ticket, S.dispatched, S.in_progress)
    now = clock.now()
    ticket.assignee_id = None
    ticket.department_id = None
    before = _move(ticket, S.accepted, now)
    await _event(
        db,
        ticket,
        who.id,
        "returned",
        from_status=before,
        to_status=S.accepted,
        body=body.reason,
        internal=True,
    )
    await db.flush()
    return ticket_out(ticket, who, now)


async def resolve(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ResolveIn) -> TicketOut:
    """答复: the handler's reply; the reporter is asked to rate it."""
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_handler(who, ticket)
    _require(ticket, S.in_progress)
    now = clock.now()
    ticket.reply = body.reply
    ticket.resolved_at = now
    before = _move(ticket, S.resolved, now)
    await _event(db, ticket, who.id, "resolved", from_status=before, to_status=S.resolved, body=body.reply)
    await _notify_ticket(
        db,
        [ticket.reporter_id],
        ticket,
        "ticket.resolved",
        f"您的工单 {ticket.number} 已办理，请评价",
        body.reply,
    )
    await db.flush()
    return ticket_out(ticket, who, now)


# ---------------------------------------------------------------- pending_info (pauses the clock)


async def request_info(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: QuestionIn) -> TicketOut:
    """待补充: ask the reporter; the SLA clock stops until they answer."""
    ticket = await _load(db, who, ticket_id, lock=True)
    if not who.is_staff_of(ticket.community_id) and not _handles(who, ticket):
        raise Forbidden()
    _require(ticket, S.submitted, S.accepted, S.dispatched, S.in_progress)
    now = clock.now()
    ticket.paused_at = now
    ticket.resume_status = ticket.status
    before = _move(ticket, S.pending_info, now)
    await _event(
        db, ticket, who.id, "info_requested", from_status=before, to_status=S.pending_info, body=body.question
    )
    await _notify_ticket(
        db,
        [ticket.reporter_id],
        ticket,
        "ticket.info_requested",
        f"工单 {ticket.number} 需要您补充信息",
        body.question,
    )
    await db.flush()
    return ticket_out(ticket, who, now)


async def provide_info(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: AnswerIn) -> TicketOut:
    """The reporter answers; the paused time is added back to the deadlines."""
    ticket = await _load(db, who, ticket_id, lock=True)
    if not _is_reporter(who, ticket) and not who.is_staff_of(ticket.community_id):
        raise NotReporter()
    _require(ticket, S.pending_info)
    now = clock.now()
    category = await _category(db, ticket)
    paused_at = ticket.paused_at or now
    ticket.accept_by = workdays.shift_for_pause(ticket.accept_by, paused_at, now, category.working_time)
    ticket.due_at = workdays.shift_for_pause(ticket.due_at, paused_at, now, category.working_time)
    resume = ticket.resume_status or S.accepted
    ticket.paused_at = None
    ticket.resume_status = None
    before = _move(ticket, resume, now)
    await _event(
        db,
        ticket,
        who.id,
        "info_provided",
        from_status=before,
        to_status=resume,
        body=body.answer,
        paused_seconds=int((now - paused_at).total_seconds()),
    )
    await db.flush()
    return ticket_out(ticket, who, now)


# ---------------------------------------------------------------- extensions (延期)


async def request_extension(
    db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: ExtendIn
) -> TicketExtension:
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_handler(who, ticket)
    _require(ticket, S.dispatched, S.in_progress)
    if ticket.due_at is not None and body.until <= ticket.due_at:
        raise TicketInvalidTransition(
            _("延期时间须晚于当前期限", "until must be later than the current deadline"),
            current_status=ticket.status.value,
        )
    pending = await db.scalar(
        select(TicketExtension.id).where(
            TicketExtension.ticket_id == ticket.id, TicketExtension.status == ExtensionStatus.pending
        )
    )
    if pending is not None:
        raise ExtensionAlreadyDecided(_("已有待审批的延期申请", "An extension request is already pending"))
    ext = TicketExtension(
        ticket_id=ticket.id,
        requested_by=who.id,
        until=body.until,
        reason=body.reason,
        status=ExtensionStatus.pending,
        created_at=clock.now(),
    )
    db.add(ext)
    await _event(
        db,
        ticket,
        who.id,
        "extension_requested",
        body=body.reason,
        internal=True,
        until=body.until.isoformat(),
    )
    await db.flush()
    return ext


async def decide_extension(
    db: AsyncSession, who: Principal, ticket_id: uuid.UUID, extension_id: uuid.UUID, approve: bool
) -> TicketOut:
    ticket = await _load(db, who, ticket_id, lock=True)
    _require_staff(who, ticket)
    ext = await db.get(TicketExtension, extension_id, with_for_update=True)
    if ext is None or ext.ticket_id != ticket.id:
        raise ExtensionNotFound()
    if ext.status is not ExtensionStatus.pending:
        raise ExtensionAlreadyDecided()
    now = clock.now()
    ext.status = ExtensionStatus.approved if approve else ExtensionStatus.rejected
    ext.decided_by = who.id
    ext.decided_at = now
    if approve:
        _require(ticket, S.dispatched, S.in_progress, S.pending_info, S.accepted)
        ticket.due_at = ext.until
        ticket.updated_at = now
        _run_deadline(ticket, _running_deadline(ticket))
        await _event(
            db,
            ticket,
            who.id,
            "extension_approved",
            body=f"处理期限延至 {ext.until.isoformat()}",
            until=ext.until.isoformat(),
        )
    else:
        await _event(db, ticket, who.id, "extension_rejected", internal=True)
    await _notify_ticket(
        db,
        [ext.requested_by],
        ticket,
        "ticket.extension_decided",
        f"工单 {ticket.number} 延期申请{'已批准' if approve else '未批准'}",
    )
    await db.flush()
    return ticket_out(ticket, who, now)


# ---------------------------------------------------------------- rating, merge, comments


async def evaluate(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: EvaluateIn) -> TicketOut:
    """回访/评价: closes the ticket, or reopens it (higher priority) when unsatisfied."""
    ticket = await _load(db, who, ticket_id, lock=True)
    # Staff record the rating for callers without the app (回访 by phone).
    if not _is_reporter(who, ticket) and not who.is_staff_of(ticket.community_id):
        raise NotReporter()
    _require(ticket, S.resolved)
    now = clock.now()
    ticket.rating = body.rating
    ticket.rating_comment = body.comment
    ticket.rated_at = now
    if body.rating is TicketRating.unsatisfied:
        category = await _category(db, ticket)
        ticket.priority += 1
        ticket.due_at = workdays.deadline(now, category.resolve_within_hours, category.working_time)
        ticket.assignee_id = None
        to = S.accepted
    else:
        ticket.closed_at = now
        to = S.closed
    before = _move(ticket, to, now)
    await _event(
        db,
        ticket,
        who.id,
        "evaluated",
        from_status=before,
        to_status=to,
        body=body.comment,
        rating=body.rating.value,
    )
    await db.flush()
    return ticket_out(ticket, who, now)


async def merge(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: MergeIn) -> TicketOut:
    """Close a duplicate as `merged` into the surviving ticket; its reporter is told."""
    if body.into_id == ticket_id:
        raise CannotMergeIntoItself()
    # Lock both rows in id order so two crossing merges cannot deadlock.
    first, second = sorted([ticket_id, body.into_id])
    locked = {
        t.id: t for t in [await _load_or_none(db, who, first), await _load_or_none(db, who, second)] if t
    }
    ticket = locked.get(ticket_id)
    if ticket is None:
        raise TicketNotFound()
    _require_staff(who, ticket)
    survivor = locked.get(body.into_id)
    if (
        survivor is None
        or survivor.community_id != ticket.community_id
        or survivor.status in (S.merged, S.rejected, S.closed)
    ):
        raise CannotMergeIntoItself()
    _require(ticket, *OPEN_STATUSES)
    now = clock.now()
    ticket.merged_into_id = survivor.id
    ticket.closed_at = now
    ticket.paused_at = None
    ticket.resume_status = None
    before = _move(ticket, S.merged, now)
    await _event(
        db,
        ticket,
        who.id,
        "merged",
        from_status=before,
        to_status=S.merged,
        body=f"与工单 {survivor.number} 合并处理",
        into=survivor.number,
    )
    await _event(db, survivor, who.id, "merged_in", body=f"工单 {ticket.number} 已并入本工单", internal=True)
    await record(
        db,
        actor_id=who.id,
        action="ticket.merge",
        target_type="ticket",
        target_id=ticket.id,
        community_id=ticket.community_id,
        into=survivor.id,
    )
    await _notify_ticket(
        db,
        [ticket.reporter_id],
        ticket,
        "ticket.merged",
        f"您的工单 {ticket.number} 已与 {survivor.number} 合并处理",
    )
    await db.flush()
    return ticket_out(ticket, who, now)


async def _load_or_none(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> Ticket | None:
    try:
        return await _load(db, who, ticket_id, lock=True)
    except TicketNotFound:
        return None


async def comment(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: CommentIn) -> EventOut:
    ticket = await _load(db, who, ticket_id)
    if body.internal and not _may_see_internal(who, ticket):
        raise Forbidden(_("居民不能添加内部备注", "Residents cannot add internal notes"))
    event = await _event(db, ticket, who.id, "comment", body=body.body, internal=body.internal)
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
    ticket = await _load(db, who, ticket_id)
    query = (
        select(TicketEvent, User.id, User.name)
        .outerjoin(User, User.id == TicketEvent.actor_id)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.created_at, TicketEvent.seq)
    )
    if not _may_see_internal(who, ticket):
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
) -> tuple[list[TicketOut], str | None]:
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
    has_more = len(rows) > params.limit
    rows = rows[: params.limit]
    cursor = None
    if has_more and rows:
        last = rows[-1]
        cursor = encode_cursor([(last.queue_at if urgency else last.created_at).isoformat(), str(last.id)])
    return [ticket_out(t, who, now) for t in rows], cursor


# ---------------------------------------------------------------- deadlines: escalation and auto-close


async def _supervisors(db: AsyncSession, community_id: uuid.UUID, level: int) -> list[uuid.UUID]:
    """Level 1: the community's staff; level 2: admins of the street (any unit above the community)."""
    if level == 1:
        return await identity.staff_of(db, community_id)
    return await identity.admins_above(db, community_id)


async def escalate_overdue(db: AsyncSession, now: datetime, batch: int = 500) -> int:
    """督办: mark tickets past their running deadline overdue and escalate them level by level.

    Level 1 at the deadline (the handler and the community's staff are told), level 2 when still overdue
    STREET_ESCALATION_AFTER later (the street's admins). Idempotent: a level is never raised twice.
    """
    rows = (
        await db.execute(
            select(Ticket)
            .where(
                Ticket.queue_at < now,
                or_(
                    Ticket.escalation_level == 0,
                    and_(Ticket.escalation_level == 1, Ticket.escalated_at <= now - STREET_ESCALATION_AFTER),
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
        await _event(
            db, ticket, None, "escalated", internal=True, body=f"{stage}超时，{level}级督办", level=level
        )
        handlers: list[uuid.UUID | None] = [ticket.assignee_id]
        if ticket.assignee_id is None and ticket.department_id is not None:
            handlers.extend(await identity.handlers_of(db, ticket.department_id))
        targets = handlers + list(await _supervisors(db, ticket.community_id, level))
        await _notify_ticket(
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


async def auto_close_resolved(db: AsyncSession, now: datetime, days: int = AUTO_CLOSE_DAYS) -> int:
    """Resolved tickets nobody rated within `days` close with no rating."""
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
        before = _move(ticket, S.closed, now)
        await _event(
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


# ---------------------------------------------------------------- photos


def _attachment_out(att: TicketAttachment) -> AttachmentOut:
    base = f"/api/v1/tickets/{att.ticket_id}/attachments/{att.id}"
    return AttachmentOut(
        id=att.id,
        ticket_id=att.ticket_id,
        content_type=att.content_type,
        size=att.size,
        width=att.width,
        height=att.height,
        created_at=att.created_at,
        url=base,
        thumbnail_url=base + "?thumbnail=true",
    )


async def add_attachment(
    db: AsyncSession, who: Principal, storage: photos.Storage, ticket_id: uuid.UUID, raw: bytes
) -> AttachmentOut:
    """A photo from the reporter, staff or a handler: checked, cleaned of EXIF, thumbnailed, stored."""
    ticket = await _load(db, who, ticket_id, lock=True)
    if not (_is_reporter(who, ticket) or ticket.created_by == who.id or _may_see_internal(who, ticket)):
        raise Forbidden()
    if len(raw) > photos.MAX_BYTES:
        raise AttachmentTooLarge()
    count = await db.scalar(
        select(func.count()).select_from(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
    )
    if (count or 0) >= photos.MAX_PER_TICKET:
        raise TooManyAttachments()
    try:
        image = await photos.clean_photo(raw)
    except photos.ImageTooLarge as exc:
        raise ImageTooLarge() from exc
    except photos.NotDecodable as exc:
        raise NotAnImage() from exc
    att_id = uuid.uuid4()
    key, thumb_key = photos.keys_for(ticket.id, att_id, image.extension)
    for written in (key, thumb_key):  # a rolled-back upload leaves no orphan file (issue #19)
        on_rollback(db, functools.partial(storage.delete, written))
    await storage.put(key, image.data)
    await storage.put(thumb_key, image.thumbnail)
    att = TicketAttachment(
        id=att_id,
        ticket_id=ticket.id,
        uploaded_by=who.id,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        storage_key=key,
        thumb_key=thumb_key,
        created_at=clock.now(),
    )
    db.add(att)
    await _event(db, ticket, who.id, "photo_added", attachment_id=att_id)
    await db.flush()
    return _attachment_out(att)


async def list_attachments(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> list[AttachmentOut]:
    ticket = await _load(db, who, ticket_id)
    rows = await db.execute(
        select(TicketAttachment)
        .where(TicketAttachment.ticket_id == ticket.id)
        .order_by(TicketAttachment.created_at, TicketAttachment.id)
    )
    return [_attachment_out(a) for a in rows.scalars()]


async def read_attachment(
    db: AsyncSession,
    who: Principal,
    storage: photos.Storage,
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    thumbnail: bool,
) -> tuple[bytes, str]:
    """The stored bytes, only for someone who may see the ticket."""
    ticket = await _load(db, who, ticket_id)
    att = await db.get(TicketAttachment, attachment_id)
    if att is None or att.ticket_id != ticket.id:
        raise AttachmentNotFound()
    data = await storage.get(att.thumb_key if thumbnail else att.storage_key)
    if data is None:
        raise AttachmentNotFound()
    return data, "image/jpeg" if thumbnail else att.content_type
