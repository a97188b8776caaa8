"""Grid rules: grids, buildings and residents' addresses. Services flush, never commit.

Other domains call the functions in the first section (never the tables): `get_building`,
`buildings_of`, `current_address`, `registered_residents_per_building`, `confirmed_residents_per_building`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.grid import errors
from app.grid.schemas import (
    AddressIn,
    AddressOut,
    BuildingCountOut,
    BuildingIn,
    BuildingOut,
    BuildingPatch,
    CurrentAddress,
    GridIn,
    GridOut,
    GridPatch,
    ResidentAtBuildingOut,
)
from app.identity.community import CommunityNotFound, acting_community
from app.identity.principal import Principal
from app.models.grid import Building, ResidentAddress
from app.models.identity import OrgKind, OrgUnit, RoleGrant, User
from app.platform import audit

# ---------------------------------------------------------------- for other domains


def _building_out(b: Building, grid_name: str, counts: tuple[int, int] | None = None) -> BuildingOut:
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


async def _building_row(db: AsyncSession, building_id: uuid.UUID) -> tuple[Building, str] | None:
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
    found = await _building_row(db, building_id)
    if found is None or not sees_community(who, found[0].community_id):
        raise errors.BuildingNotFound()
    return _building_out(*found)


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
    return [_building_out(b, g) for b, g in (await db.execute(query)).all()]


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


async def _counts(
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
    return {b: n for b, (n, _) in (await _counts(db, community_id)).items()}


async def confirmed_residents_per_building(db: AsyncSession, community_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """{building_id: residents living there now whose address staff confirmed}."""
    return {b: c for b, (_, c) in (await _counts(db, community_id)).items() if c}


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


async def _grid_of(db: AsyncSession, grid_id: uuid.UUID) -> OrgUnit | None:
    unit = await db.get(OrgUnit, grid_id)
    return unit if unit is not None and unit.kind is OrgKind.grid else None


async def _staff_grid(db: AsyncSession, who: Principal, grid_id: uuid.UUID) -> OrgUnit:
    grid = await _grid_of(db, grid_id)
    if grid is None or not who.is_staff_of(grid.community_id):
        raise errors.GridNotFound()
    return grid


async def _staff_building(db: AsyncSession, who: Principal, building_id: uuid.UUID) -> Building:
    building = await db.get(Building, building_id)
    if building is None or not who.is_staff_of(building.community_id):
        raise errors.BuildingNotFound()
    return building


# ---------------------------------------------------------------- grids


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
    grid = await _grid_of(db, grid_id)
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
    grid = await _staff_grid(db, who, grid_id)
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
    grid = await _staff_grid(db, who, grid_id)
    busy = (await db.execute(select(Building.id).where(Building.grid_id == grid.id).limit(1))).first() or (
        await db.execute(select(RoleGrant.id).where(RoleGrant.org_unit_id == grid.id).limit(1))
    ).first()
    if busy is not None:
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


# ---------------------------------------------------------------- buildings


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
        await _counts(db, community, [r[0].id for r in page.items]) if who.is_staff_of(community) else None
    )
    items = [
        _building_out(b, g, counts.get(b.id, (0, 0)) if counts is not None else None) for b, g in page.items
    ]
    return Page[BuildingOut](items=items, next_cursor=page.next_cursor)


async def building_detail(db: AsyncSession, who: Principal, building_id: uuid.UUID) -> BuildingOut:
    out = await get_building(db, who, building_id)
    if who.is_staff_of(out.community_id):
        n, c = (await _counts(db, out.community_id, [out.id])).get(out.id, (0, 0))
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
    grid = await _staff_grid(db, who, body.grid_id)
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
    return _building_out(building, grid.name, (0, 0))


async def update_building(
    db: AsyncSession, who: Principal, building_id: uuid.UUID, body: BuildingPatch
) -> BuildingOut:
    building = await _staff_building(db, who, building_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("grid_id") is not None:
        grid = await _grid_of(db, changes["grid_id"])
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
    building = await _staff_building(db, who, building_id)
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
    counts = await _counts(db, community)
    buildings = await buildings_of(db, community)
    return [
        BuildingCountOut(
            building_id=b.id, registered=counts.get(b.id, (0, 0))[0], confirmed=counts.get(b.id, (0, 0))[1]
        )
        for b in buildings
    ]


# ---------------------------------------------------------------- addresses


def _address_out(address: ResidentAddress, building: Building) -> AddressOut:
    return AddressOut(
        id=address.id,
        user_id=address.user_id,
        community_id=address.community_id,
        building_id=building.id,
        building_name=building.name,
        compound=building.compound,
        grid_id=building.grid_id,
        unit=address.unit,
        room=address.room,
        valid_from=address.valid_from,
        valid_to=address.valid_to,
        confirmed=address.confirmed_at is not None,
        confirmed_at=address.confirmed_at,
    )


async def _current_row(db: AsyncSession, user_id: uuid.UUID) -> ResidentAddress | None:
    return (
        await db.execute(
            select(ResidentAddress).where(
                ResidentAddress.user_id == user_id, ResidentAddress.valid_to.is_(None)
            )
        )
    ).scalar_one_or_none()


async def _set_address(
    db: AsyncSession, actor: Principal, user: User, building: Building, body: AddressIn, *, confirm: bool
) -> AddressOut:
    # One writer per resident at a time: the user row is the lock, so two racing moves serialise and
    # the partial unique index never sees two current rows.
    await db.execute(select(User.id).where(User.id == user.id).with_for_update())
    current = await _current_row(db, user.id)
    now = clock.now()
    if current is not None and (current.building_id, current.unit, current.room) == (
        building.id,
        body.unit,
        body.room,
    ):
        if confirm and current.confirmed_at is None:
            current.confirmed_at, current.confirmed_by = now, actor.id
            await db.flush()
        return _address_out(current, building)
    if current is not None:
        current.valid_to = now
        await db.flush()
    address = ResidentAddress(
        user_id=user.id,
        community_id=building.community_id,
        building_id=building.id,
        unit=body.unit,
        room=body.room,
        valid_from=now,
        created_by=actor.id,
        confirmed_at=now if confirm else None,
        confirmed_by=actor.id if confirm else None,
    )
    db.add(address)
    await db.flush()
    return _address_out(address, building)


async def set_my_address(db: AsyncSession, who: Principal, body: AddressIn) -> AddressOut:
    """A resident chooses (or changes) their building; a move keeps the old row as history."""
    if who.community_id is None:
        raise errors.NoCommunity()
    building = await db.get(Building, body.building_id)
    if building is None or building.community_id != who.community_id:
        raise errors.BuildingNotFound()
    return await _set_address(db, who, who.user, building, body, confirm=False)


async def set_address_for(
    db: AsyncSession, who: Principal, user_id: uuid.UUID, body: AddressIn
) -> AddressOut:
    """Staff register a resident's address at the desk; what staff enter is confirmed at once."""
    user = await db.get(User, user_id)
    building = await db.get(Building, body.building_id)
    if building is None or not who.is_staff_of(building.community_id):
        raise errors.BuildingNotFound()
    if user is None or user.community_id != building.community_id:
        raise errors.AddressNotFound()
    out = await _set_address(db, who, user, building, body, confirm=True)
    await audit.record(
        db,
        actor_id=who.id,
        action="address.set",
        target_type="user",
        target_id=user.id,
        community_id=building.community_id,
        on_behalf_of=user.id,
        building_id=str(building.id),
    )
    return out


async def my_address(db: AsyncSession, who: Principal) -> AddressOut | None:
    current = await _current_row(db, who.id)
    if current is None:
        return None
    building = await db.get(Building, current.building_id)
    assert building is not None
    return _address_out(current, building)


async def move_out(db: AsyncSession, who: Principal) -> None:
    """The resident no longer lives in any building of the community (the row stays as history)."""
    await db.execute(select(User.id).where(User.id == who.id).with_for_update())
    current = await _current_row(db, who.id)
    if current is not None:
        current.valid_to = clock.now()
        await db.flush()


async def address_history(db: AsyncSession, who: Principal) -> list[AddressOut]:
    rows = await db.execute(
        select(ResidentAddress, Building)
        .join(Building, Building.id == ResidentAddress.building_id)
        .where(ResidentAddress.user_id == who.id)
        .order_by(ResidentAddress.valid_from.desc(), ResidentAddress.id)
    )
    return [_address_out(a, b) for a, b in rows.all()]


async def confirm_address(db: AsyncSession, who: Principal, address_id: uuid.UUID) -> AddressOut:
    """Staff confirm a resident lives where they said (核实); confirming twice changes nothing."""
    address = (
        await db.execute(select(ResidentAddress).where(ResidentAddress.id == address_id).with_for_update())
    ).scalar_one_or_none()
    if address is None or not who.is_staff_of(address.community_id):
        raise errors.AddressNotFound()
    if address.valid_to is not None:
        raise errors.AddressClosed()
    if address.confirmed_at is None:
        address.confirmed_at, address.confirmed_by = clock.now(), who.id
        await audit.record(
            db,
            actor_id=who.id,
            action="address.confirm",
            target_type="user",
            target_id=address.user_id,
            community_id=address.community_id,
            address_id=str(address.id),
        )
        await db.flush()
    building = await db.get(Building, address.building_id)
    assert building is not None
    return _address_out(address, building)


async def residents_at(
    db: AsyncSession, who: Principal, building_id: uuid.UUID, params: PageParams
) -> Page[ResidentAtBuildingOut]:
    """Staff: who lives in a building now, in order of registration."""
    building = await _staff_building(db, who, building_id)
    query = (
        select(ResidentAddress, User.name)
        .join(User, User.id == ResidentAddress.user_id)
        .where(ResidentAddress.building_id == building.id, ResidentAddress.valid_to.is_(None))
        .order_by(ResidentAddress.valid_from, ResidentAddress.id)
        .limit(params.limit + 1)
    )
    position = params.after(datetime, uuid.UUID)
    if position:
        after = tuple_(literal(position[0]), literal(position[1]))
        query = query.where(tuple_(ResidentAddress.valid_from, ResidentAddress.id) > after)
    rows = list((await db.execute(query)).all())
    page = page_of(rows, params, lambda r: [r[0].valid_from.isoformat(), str(r[0].id)])
    await audit.record(
        db,
        actor_id=who.id,
        action="building.residents",
        target_type="building",
        target_id=building.id,
        community_id=building.community_id,
    )
    return Page[ResidentAtBuildingOut](
        items=[
            ResidentAtBuildingOut(
                address_id=a.id,
                user_id=a.user_id,
                name=name,
                unit=a.unit,
                room=a.room,
                valid_from=a.valid_from,
                confirmed=a.confirmed_at is not None,
                confirmed_at=a.confirmed_at,
            )
            for a, name in page.items
        ],
        next_cursor=page.next_cursor,
    )
