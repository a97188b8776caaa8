"""Grids (网格) of a community: list, create, rename, delete (only an empty one). Services flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.grid import errors
from app.grid.schemas import (
    GridIn,
    GridOut,
    GridPatch,
)
from app.grid.service import (
    grid_of,
    reading_community,
    sees_community,
    staff_grid,
)
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.grid import Building
from app.models.identity import OrgKind, OrgUnit
from app.platform import audit


async def _grid_counts(db: AsyncSession, grid_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await db.execute(
        select(Building.grid_id, func.count())
        .where(Building.grid_id.in_(grid_ids))
        .group_by(Building.grid_id)
    )
    return dict(rows.tuples().all())


def _grid_out(grid: OrgUnit, buildings: int) -> GridOut:
    assert grid.community_id is not None
    return GridOut(id=grid.id, community_id=grid.community_id, name=grid.name, buildings=buildings)


async def list_grids(db: AsyncSession, who: Principal, community_id: uuid.UUID | None) -> list[GridOut]:
    community = reading_community(who, community_id)
    grids = list(
        (
            await db.execute(
                select(OrgUnit)
                .where(OrgUnit.community_id == community, OrgUnit.kind == OrgKind.grid)
                .order_by(OrgUnit.name, OrgUnit.id)
            )
        ).scalars()
    )
    counts = await _grid_counts(db, [g.id for g in grids])
    return [_grid_out(g, counts.get(g.id, 0)) for g in grids]


async def get_grid(db: AsyncSession, who: Principal, grid_id: uuid.UUID) -> GridOut:
    grid = await grid_of(db, grid_id)
    if grid is None or grid.community_id is None or not sees_community(who, grid.community_id):
        raise errors.GridNotFound()
    return _grid_out(grid, (await _grid_counts(db, [grid.id])).get(grid.id, 0))


async def _grid_name_taken(
    db: AsyncSession, community_id: uuid.UUID, name: str, but: uuid.UUID | None = None
) -> bool:
    query = select(OrgUnit.id).where(
        OrgUnit.community_id == community_id, OrgUnit.kind == OrgKind.grid, OrgUnit.name == name
    )
    if but is not None:
        query = query.where(OrgUnit.id != but)
    return (await db.execute(query)).first() is not None


async def create_grid(db: AsyncSession, who: Principal, body: GridIn) -> GridOut:
    """A grid (网格) under a community: an org unit of kind grid."""
    community_id = acting_community(who, body.community_id)
    if await _grid_name_taken(db, community_id, body.name):
        raise errors.GridExists()
    grid = OrgUnit(name=body.name, kind=OrgKind.grid, parent_id=community_id, community_id=community_id)
    db.add(grid)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="grid.create",
        target_type="org_unit",
        target_id=grid.id,
        community_id=community_id,
        name=grid.name,
    )
    return _grid_out(grid, 0)


async def rename_grid(db: AsyncSession, who: Principal, grid_id: uuid.UUID, body: GridPatch) -> GridOut:
    grid = await staff_grid(db, who, grid_id)
    assert grid.community_id is not None
    if await _grid_name_taken(db, grid.community_id, body.name, but=grid.id):
        raise errors.GridExists()
    grid.name = body.name
    await audit.record(
        db,
        actor_id=who.id,
        action="grid.update",
        target_type="org_unit",
        target_id=grid.id,
        community_id=grid.community_id,
        name=grid.name,
    )
    await db.flush()
    return _grid_out(grid, (await _grid_counts(db, [grid.id])).get(grid.id, 0))


async def delete_grid(db: AsyncSession, who: Principal, grid_id: uuid.UUID) -> None:
    """Only an empty grid goes: no buildings, nobody holding a role there, nothing else pointing at it."""
    grid = await staff_grid(db, who, grid_id)
    has_buildings = (
        await db.execute(select(Building.id).where(Building.grid_id == grid.id).limit(1))
    ).first()
    if has_buildings is not None or await identity.anyone_holds_a_role_at(db, grid.id):
        raise errors.GridInUse()
    try:
        async with db.begin_nested():
            await db.delete(grid)
            await db.flush()
    except IntegrityError as exc:  # another domain's record refers to it
        raise errors.GridInUse() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="grid.delete",
        target_type="org_unit",
        target_id=grid_id,
        community_id=grid.community_id,
        name=grid.name,
    )
    await db.flush()
