"""Buildings (楼栋) of a community's grids, with their resident counts. Services flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy import literal, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import Page, PageParams, page_of
from app.grid import errors
from app.grid.schemas import (
    BuildingCountOut,
    BuildingIn,
    BuildingOut,
    BuildingPatch,
)
from app.grid.service import (
    building_out,
    buildings_of,
    get_building,
    grid_of,
    reading_community,
    resident_counts,
    staff_building,
    staff_grid,
)
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.grid import Building
from app.models.identity import OrgUnit
from app.platform import audit


async def list_buildings(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    community_id: uuid.UUID | None,
    grid_id: uuid.UUID | None,
    compound: str | None,
) -> Page[BuildingOut]:
    """Buildings of a community by compound and name; staff also get resident counts."""
    community = reading_community(who, community_id)
    query = (
        select(Building, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Building.grid_id)
        .where(Building.community_id == community)
        .order_by(Building.compound, Building.name, Building.id)
        .limit(params.limit + 1)
    )
    if grid_id is not None:
        query = query.where(Building.grid_id == grid_id)
    if compound is not None:
        query = query.where(Building.compound == compound)
    position = params.after(str, str, uuid.UUID)
    if position:
        after = tuple_(literal(position[0]), literal(position[1]), literal(position[2]))
        query = query.where(tuple_(Building.compound, Building.name, Building.id) > after)
    rows = (await db.execute(query)).all()
    page = page_of(list(rows), params, lambda r: [r[0].compound, r[0].name, str(r[0].id)])
    counts = (
        await resident_counts(db, community, [r[0].id for r in page.items])
        if who.is_staff_of(community)
        else None
    )
    items = [
        building_out(b, g, counts.get(b.id, (0, 0)) if counts is not None else None) for b, g in page.items
    ]
    return Page[BuildingOut](items=items, next_cursor=page.next_cursor)


async def building_detail(db: AsyncSession, who: Principal, building_id: uuid.UUID) -> BuildingOut:
    out = await get_building(db, who, building_id)
    if who.is_staff_of(out.community_id):
        n, c = (await resident_counts(db, out.community_id, [out.id])).get(out.id, (0, 0))
        out.residents_registered, out.residents_confirmed = n, c
    return out


async def _name_taken(
    db: AsyncSession, community_id: uuid.UUID, compound: str, name: str, but: uuid.UUID | None = None
) -> bool:
    query = select(Building.id).where(
        Building.community_id == community_id, Building.compound == compound, Building.name == name
    )
    if but is not None:
        query = query.where(Building.id != but)
    return (await db.execute(query)).first() is not None


async def _insert(db: AsyncSession, building: Building) -> None:
    """Insert or rename under the unique (community, compound, name): a racing twin becomes 409."""
    try:
        async with db.begin_nested():
            db.add(building)
            await db.flush()
    except IntegrityError as exc:
        raise errors.BuildingExists() from exc


async def create_building(db: AsyncSession, who: Principal, body: BuildingIn) -> BuildingOut:
    grid = await staff_grid(db, who, body.grid_id)
    assert grid.community_id is not None
    if await _name_taken(db, grid.community_id, body.compound, body.name):
        raise errors.BuildingExists()
    building = Building(
        community_id=grid.community_id,
        grid_id=grid.id,
        compound=body.compound,
        name=body.name,
        units=body.units,
        floors=body.floors,
    )
    await _insert(db, building)
    await audit.record(
        db,
        actor_id=who.id,
        action="building.create",
        target_type="building",
        target_id=building.id,
        community_id=building.community_id,
        compound=building.compound,
        name=building.name,
    )
    return building_out(building, grid.name, (0, 0))


async def update_building(
    db: AsyncSession, who: Principal, building_id: uuid.UUID, body: BuildingPatch
) -> BuildingOut:
    building = await staff_building(db, who, building_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("grid_id") is not None:
        grid = await grid_of(db, changes["grid_id"])
        if grid is None or grid.community_id != building.community_id:
            raise errors.GridNotFound()
    for field in ("grid_id", "compound", "name"):
        if field in changes and changes[field] is None:
            del changes[field]  # required fields cannot be cleared
    compound, name = changes.get("compound", building.compound), changes.get("name", building.name)
    if (compound, name) != (building.compound, building.name) and await _name_taken(
        db, building.community_id, compound, name, but=building.id
    ):
        raise errors.BuildingExists()
    try:
        async with db.begin_nested():
            for field, value in changes.items():
                setattr(building, field, value)
            await db.flush()
    except IntegrityError as exc:
        raise errors.BuildingExists() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="building.update",
        target_type="building",
        target_id=building.id,
        community_id=building.community_id,
        changes=", ".join(f"{k}={v}" for k, v in changes.items()),
    )
    return await building_detail(db, who, building.id)


async def delete_building(db: AsyncSession, who: Principal, building_id: uuid.UUID) -> None:
    """A building nobody has ever registered at (address history is kept, so it pins the building)."""
    building = await staff_building(db, who, building_id)
    try:
        async with db.begin_nested():
            await db.delete(building)
            await db.flush()
    except IntegrityError as exc:
        raise errors.BuildingInUse() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="building.delete",
        target_type="building",
        target_id=building_id,
        community_id=building.community_id,
        compound=building.compound,
        name=building.name,
    )
    await db.flush()


async def building_counts(
    db: AsyncSession, who: Principal, community_id: uuid.UUID | None
) -> list[BuildingCountOut]:
    """Residents registered and confirmed per building of a community (staff)."""
    community = acting_community(who, community_id)
    counts = await resident_counts(db, community)
    buildings = await buildings_of(db, community)
    return [
        BuildingCountOut(
            building_id=b.id, registered=counts.get(b.id, (0, 0))[0], confirmed=counts.get(b.id, (0, 0))[1]
        )
        for b in buildings
    ]
