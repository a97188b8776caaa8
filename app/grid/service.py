"""The grid (网格) for everyone else: buildings, residents' current addresses and their counts, and the
scope rules the grid's own modules share. Other domains call these functions (never the tables):
`get_building`, `buildings_of`, `current_address`, `registered_residents_per_building`,
`confirmed_residents_per_building`. Grids are `grids`, buildings `buildings`, addresses `addresses`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.grid import errors
from app.grid.schemas import (
    BuildingOut,
    CurrentAddress,
)
from app.identity.community import CommunityNotFound, acting_community
from app.identity.principal import Principal
from app.models.grid import Building, ResidentAddress
from app.models.identity import OrgKind, OrgUnit

# ---------------------------------------------------------------- for other domains


def building_out(b: Building, grid_name: str, counts: tuple[int, int] | None = None) -> BuildingOut:
    return BuildingOut(
        id=b.id,
        community_id=b.community_id,
        grid_id=b.grid_id,
        grid_name=grid_name,
        compound=b.compound,
        name=b.name,
        units=b.units,
        floors=b.floors,
        residents_registered=counts[0] if counts else None,
        residents_confirmed=counts[1] if counts else None,
    )


def sees_community(who: Principal, community_id: uuid.UUID) -> bool:
    """Residents, handlers, merchants and staff of a community (and admins above it) see its grid."""
    return community_id in who.staff_communities or any(g.community_id == community_id for g in who.grants)


async def building_row(db: AsyncSession, building_id: uuid.UUID) -> tuple[Building, str] | None:
    row = (
        await db.execute(
            select(Building, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == Building.grid_id)
            .where(Building.id == building_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_building(db: AsyncSession, who: Principal, building_id: uuid.UUID) -> BuildingOut:
    """A building the caller may see (anyone of its community, staff and admins above); else 404."""
    found = await building_row(db, building_id)
    if found is None or not sees_community(who, found[0].community_id):
        raise errors.BuildingNotFound()
    return building_out(*found)


async def buildings_of(
    db: AsyncSession, community_id: uuid.UUID, grid_ids: Iterable[uuid.UUID] | None = None
) -> list[BuildingOut]:
    """Every building of a community (optionally of some of its grids), by compound and name. Unscoped:
    the caller has already checked that its user may act in `community_id`."""
    query = (
        select(Building, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Building.grid_id)
        .where(Building.community_id == community_id)
        .order_by(Building.compound, Building.name, Building.id)
    )
    if grid_ids is not None:
        query = query.where(Building.grid_id.in_(list(grid_ids)))
    return [building_out(b, g) for b, g in (await db.execute(query)).all()]


async def current_address(db: AsyncSession, user_id: uuid.UUID) -> CurrentAddress | None:
    """Where the user lives now (building, its grid and community, unit, room), or None."""
    row = (
        await db.execute(
            select(ResidentAddress, Building.grid_id)
            .join(Building, Building.id == ResidentAddress.building_id)
            .where(ResidentAddress.user_id == user_id, ResidentAddress.valid_to.is_(None))
        )
    ).first()
    if row is None:
        return None
    address, grid_id = row
    return CurrentAddress(
        building_id=address.building_id,
        grid_id=grid_id,
        community_id=address.community_id,
        unit=address.unit,
        room=address.room,
    )


async def resident_counts(
    db: AsyncSession, community_id: uuid.UUID, building_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, tuple[int, int]]:
    query = (
        select(
            ResidentAddress.building_id,
            func.count(),
            func.count().filter(ResidentAddress.confirmed_at.is_not(None)),
        )
        .where(ResidentAddress.community_id == community_id, ResidentAddress.valid_to.is_(None))
        .group_by(ResidentAddress.building_id)
    )
    if building_ids is not None:
        query = query.where(ResidentAddress.building_id.in_(building_ids))
    return {b: (n, c) for b, n, c in (await db.execute(query)).all()}


async def registered_residents_per_building(
    db: AsyncSession, community_id: uuid.UUID
) -> dict[uuid.UUID, int]:
    """{building_id: residents living there now}; buildings nobody registered at are absent."""
    return {b: n for b, (n, _) in (await resident_counts(db, community_id)).items()}


async def confirmed_residents_per_building(db: AsyncSession, community_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """{building_id: residents living there now whose address staff confirmed}."""
    return {b: c for b, (_, c) in (await resident_counts(db, community_id)).items() if c}


# ---------------------------------------------------------------- scope helpers


def reading_community(who: Principal, community_id: uuid.UUID | None) -> uuid.UUID:
    """The community whose grid a reader looks at: explicit (must be visible, else 404) or their own."""
    if community_id is not None:
        if not sees_community(who, community_id):
            raise CommunityNotFound()
        return community_id
    if who.community_id is not None:
        return who.community_id
    return acting_community(who, None)


async def grid_of(db: AsyncSession, grid_id: uuid.UUID) -> OrgUnit | None:
    unit = await db.get(OrgUnit, grid_id)
    return unit if unit is not None and unit.kind is OrgKind.grid else None


async def staff_grid(db: AsyncSession, who: Principal, grid_id: uuid.UUID) -> OrgUnit:
    grid = await grid_of(db, grid_id)
    if grid is None or not who.is_staff_of(grid.community_id):
        raise errors.GridNotFound()
    return grid


async def staff_building(db: AsyncSession, who: Principal, building_id: uuid.UUID) -> Building:
    building = await db.get(Building, building_id)
    if building is None or not who.is_staff_of(building.community_id):
        raise errors.BuildingNotFound()
    return building
