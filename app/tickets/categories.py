"""Ticket categories (工单分类): each with its default department and SLA policy."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import errors as identity_errors
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.identity import OrgKind, OrgUnit
from app.models.tickets import Ticket, TicketCategory
from app.platform.audit import record
from app.tickets.errors import CategoryNameTaken, CategoryNotFound, InvalidDepartment
from app.tickets.schemas import CategoryIn, CategoryOut


async def list_categories(
    db: AsyncSession, who: Principal, community_id: uuid.UUID | None
) -> list[CategoryOut]:
    query = select(TicketCategory).where(TicketCategory.active.is_(True))
    if community_id is not None:
        query = query.where(TicketCategory.community_id == community_id)
    else:
        mine = set(who.staff_communities) | set(who.handler_communities)
        if who.community_id:
            mine.add(who.community_id)
        query = query.where(TicketCategory.community_id.in_(mine))
    rows = (await db.execute(query.order_by(TicketCategory.name))).scalars()
    return [CategoryOut.model_validate(c) for c in rows]


async def department_of(db: AsyncSession, community_id: uuid.UUID, department_id: uuid.UUID) -> OrgUnit:
    """A department or grid of the community (a ticket's queue); anything else is 422 invalid_department."""
    try:
        unit = await identity.get_org_unit(db, department_id)
    except identity_errors.OrgUnitNotFound as exc:
        raise InvalidDepartment() from exc
    if unit.community_id != community_id or unit.kind not in (OrgKind.department, OrgKind.grid):
        raise InvalidDepartment()
    return unit


async def create_category(db: AsyncSession, who: Principal, body: CategoryIn) -> CategoryOut:
    community_id = acting_community(who, body.community_id)
    if body.default_department_id is not None:
        await department_of(db, community_id, body.default_department_id)
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
    return CategoryOut.model_validate(category)


async def get_category(db: AsyncSession, category_id: uuid.UUID) -> TicketCategory:
    """An active category (the row: intake files tickets against it)."""
    category = await db.get(TicketCategory, category_id)
    if category is None or not category.active:
        raise CategoryNotFound()
    return category


async def category_of(db: AsyncSession, ticket: Ticket) -> TicketCategory:
    """The category of a ticket (it always has one; categories are deactivated, never deleted)."""
    category = await db.get(TicketCategory, ticket.category_id)
    assert category is not None
    return category
