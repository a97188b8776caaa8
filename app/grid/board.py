"""The stairwell service board (服务信息栏): entries at community, grid or building level.

A building's board lists, in this fixed order: the building's own entries, then its grid's, then its
community's; within a level by role (楼栋长, 网格员, 网格长, 社区工作人员, 物业, 业委会, 警务室, 社会组织,
商户, 其他 — the order of `BoardRole`), then `position`, then name. Entries carry only what staff typed:
a public work phone, never a resident's personal number (refused on entry), and the board never reads
the users table.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.grid import errors
from app.grid.config import rules
from app.grid.schemas import (
    ROLE_LABELS,
    BoardEntryIn,
    BoardEntryOut,
    BoardEntryPatch,
    BoardLineOut,
    BoardOut,
)
from app.grid.service import building_out, building_row, current_address, grid_of
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.grid import BoardEntry, BoardLevel, BoardRole, Building
from app.models.identity import OrgUnit
from app.platform import audit

LEVEL_ORDER = {BoardLevel.building: 0, BoardLevel.grid: 1, BoardLevel.community: 2}
ROLE_ORDER = {role: n for n, role in enumerate(BoardRole)}


def qr_payload(building_id: uuid.UUID) -> str:
    """What a poster's QR code holds: the mini-program's report page for the building."""
    return rules().qr_path.format(building_id=building_id)


def _order(entry: BoardEntry) -> tuple[int, int, int, str, str]:
    return (LEVEL_ORDER[entry.level], ROLE_ORDER[entry.role], entry.position, entry.name, str(entry.id))


def _line(entry: BoardEntry) -> BoardLineOut:
    return BoardLineOut(
        id=entry.id,
        level=entry.level,
        role=entry.role,
        role_label=ROLE_LABELS[entry.role],
        name=entry.name,
        phone=entry.phone,
        hours=entry.hours,
        duties=entry.duties,
    )


def _staff_out(entry: BoardEntry) -> BoardEntryOut:
    stale_before = clock.now() - timedelta(days=rules().board_stale_days)
    return BoardEntryOut(
        **_line(entry).model_dump(),
        community_id=entry.community_id,
        grid_id=entry.grid_id,
        building_id=entry.building_id,
        position=entry.position,
        verified_at=entry.verified_at,
        verified_by=entry.verified_by,
        stale=entry.verified_at < stale_before,
    )


async def _refuse_personal_phone(db: AsyncSession, community_id: uuid.UUID, phone: str | None) -> None:
    """A number that is a resident's own phone (someone of the community who serves nowhere) is refused."""
    if phone is None:
        return
    if await identity.is_private_phone(db, community_id, phone):
        raise errors.PersonalPhone()


async def _target(
    db: AsyncSession, who: Principal, body: BoardEntryIn
) -> tuple[uuid.UUID, BoardLevel, uuid.UUID | None, uuid.UUID | None]:
    given = [x for x in (body.community_id, body.grid_id, body.building_id) if x is not None]
    if len(given) > 1:
        raise errors.BoardTargetInvalid()
    if body.building_id is not None:
        building = await db.get(Building, body.building_id)
        if building is None or not who.is_staff_of(building.community_id):
            raise errors.BuildingNotFound()
        return building.community_id, BoardLevel.building, None, building.id
    if body.grid_id is not None:
        grid = await grid_of(db, body.grid_id)
        if grid is None or grid.community_id is None or not who.is_staff_of(grid.community_id):
            raise errors.GridNotFound()
        return grid.community_id, BoardLevel.grid, grid.id, None
    return acting_community(who, body.community_id), BoardLevel.community, None, None


async def create_entry(db: AsyncSession, who: Principal, body: BoardEntryIn) -> BoardEntryOut:
    """Staff put a line on a board; entering it counts as verifying it."""
    community_id, level, grid_id, building_id = await _target(db, who, body)
    await _refuse_personal_phone(db, community_id, body.phone)
    now = clock.now()
    entry = BoardEntry(
        community_id=community_id,
        level=level,
        grid_id=grid_id,
        building_id=building_id,
        role=body.role,
        name=body.name,
        phone=body.phone,
        hours=body.hours,
        duties=body.duties,
        position=body.position,
        verified_at=now,
        verified_by=who.id,
    )
    db.add(entry)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="board.create",
        target_type="board_entry",
        target_id=entry.id,
        community_id=community_id,
        level=level.value,
        name=entry.name,
    )
    return _staff_out(entry)


async def _staff_entry(db: AsyncSession, who: Principal, entry_id: uuid.UUID) -> BoardEntry:
    entry = await db.get(BoardEntry, entry_id)
    if entry is None or not who.is_staff_of(entry.community_id):
        raise errors.BoardEntryNotFound()
    return entry


async def update_entry(
    db: AsyncSession, who: Principal, entry_id: uuid.UUID, body: BoardEntryPatch
) -> BoardEntryOut:
    """Change a line; a change is a re-verification."""
    entry = await _staff_entry(db, who, entry_id)
    changes = body.model_dump(exclude_unset=True)
    for required in ("role", "name", "position"):
        if changes.get(required, 0) is None:
            del changes[required]
    if "phone" in changes:
        await _refuse_personal_phone(db, entry.community_id, changes["phone"])
    for field, value in changes.items():
        setattr(entry, field, value)
    entry.verified_at, entry.verified_by = clock.now(), who.id
    await audit.record(
        db,
        actor_id=who.id,
        action="board.update",
        target_type="board_entry",
        target_id=entry.id,
        community_id=entry.community_id,
        fields=",".join(sorted(changes)),
    )
    await db.flush()
    return _staff_out(entry)


async def verify_entry(db: AsyncSession, who: Principal, entry_id: uuid.UUID) -> BoardEntryOut:
    """Staff checked the line is still right (核实): the 90-day clock starts again."""
    entry = await _staff_entry(db, who, entry_id)
    entry.verified_at, entry.verified_by = clock.now(), who.id
    await db.flush()
    return _staff_out(entry)


async def delete_entry(db: AsyncSession, who: Principal, entry_id: uuid.UUID) -> None:
    entry = await _staff_entry(db, who, entry_id)
    await db.delete(entry)
    await audit.record(
        db,
        actor_id=who.id,
        action="board.delete",
        target_type="board_entry",
        target_id=entry_id,
        community_id=entry.community_id,
        name=entry.name,
    )
    await db.flush()


async def list_entries(
    db: AsyncSession,
    who: Principal,
    *,
    community_id: uuid.UUID | None,
    grid_id: uuid.UUID | None,
    building_id: uuid.UUID | None,
    stale: bool | None,
) -> list[BoardEntryOut]:
    """Staff's list of a community's entries (optionally one grid's or building's), stale ones flagged."""
    community = acting_community(who, community_id)
    query = select(BoardEntry).where(BoardEntry.community_id == community)
    if grid_id is not None:
        query = query.where(BoardEntry.grid_id == grid_id)
    if building_id is not None:
        query = query.where(BoardEntry.building_id == building_id)
    if stale is not None:
        cutoff = clock.now() - timedelta(days=rules().board_stale_days)
        query = query.where(BoardEntry.verified_at < cutoff if stale else BoardEntry.verified_at >= cutoff)
    entries = sorted((await db.execute(query)).scalars(), key=_order)
    return [_staff_out(e) for e in entries]


async def _entries_for(db: AsyncSession, building: Building) -> list[BoardEntry]:
    query = select(BoardEntry).where(
        BoardEntry.community_id == building.community_id,
        or_(
            BoardEntry.building_id == building.id,
            BoardEntry.grid_id == building.grid_id,
            BoardEntry.level == BoardLevel.community,
        ),
    )
    return sorted((await db.execute(query)).scalars(), key=_order)


async def _may_read_board(db: AsyncSession, who: Principal, building: Building) -> bool:
    """Staff of the community; the building's own residents, its lead and its grid's workers."""
    if who.is_staff_of(building.community_id):
        return True
    if building.id in who.led_buildings or building.grid_id in who.handler_units:
        return True
    here = await current_address(db, who.id)
    return here is not None and here.building_id == building.id


async def compose(db: AsyncSession, building: Building, grid_name: str) -> BoardOut:
    """The board of a building, unscoped (the caller checked); used by the API and the posters."""
    community = await db.get(OrgUnit, building.community_id)
    return BoardOut(
        building=building_out(building, grid_name),
        community_name=community.name if community else "",
        entries=[_line(e) for e in await _entries_for(db, building)],
        qr_payload=qr_payload(building.id),
    )


async def building_board(db: AsyncSession, who: Principal, building_id: uuid.UUID) -> BoardOut:
    """A building's board; residents see only their own building's (others are 404)."""
    found = await building_row(db, building_id)
    if found is None or not await _may_read_board(db, who, found[0]):
        raise errors.BuildingNotFound()
    return await compose(db, *found)


async def my_board(db: AsyncSession, who: Principal) -> BoardOut:
    here = await current_address(db, who.id)
    if here is None:
        raise errors.AddressNotFound()
    return await building_board(db, who, here.building_id)


async def grid_boards(db: AsyncSession, who: Principal, grid_id: uuid.UUID) -> list[BoardOut]:
    """Every building's board in a grid (staff), for the bulk poster download."""
    grid = await grid_of(db, grid_id)
    if grid is None or grid.community_id is None or not who.is_staff_of(grid.community_id):
        raise errors.GridNotFound()
    buildings = list(
        (
            await db.execute(
                select(Building)
                .where(Building.grid_id == grid.id)
                .order_by(Building.compound, Building.name, Building.id)
                .limit(rules().posters_max_buildings + 1)
            )
        ).scalars()
    )
    if len(buildings) > rules().posters_max_buildings:
        raise errors.TooManyBuildings()
    return [await compose(db, b, grid.name) for b in buildings]
