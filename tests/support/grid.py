"""Builders for the grid: `await make_building(db, grid)`, `await make_address(db, user, building)`."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.grid import BoardEntry, BoardLevel, BoardRole, Building, ResidentAddress
from app.models.identity import OrgUnit, User

_seq = itertools.count(1)


async def make_building(
    db: AsyncSession,
    grid: OrgUnit,
    *,
    compound: str = "桃源居",
    name: str | None = None,
    units: int | None = 2,
    floors: int | None = 18,
) -> Building:
    assert grid.community_id is not None
    building = Building(
        community_id=grid.community_id,
        grid_id=grid.id,
        compound=compound,
        name=name or f"{next(_seq)}栋",
        units=units,
        floors=floors,
    )
    db.add(building)
    await db.flush()
    return building


async def make_address(
    db: AsyncSession,
    user: User,
    building: Building,
    *,
    unit: str | None = "1单元",
    room: str | None = None,
    confirmed_by: User | None = None,
) -> ResidentAddress:
    now: datetime = clock.now()
    address = ResidentAddress(
        user_id=user.id,
        community_id=building.community_id,
        building_id=building.id,
        unit=unit,
        room=room or f"{next(_seq) % 30 + 1}01",
        valid_from=now,
        confirmed_at=now if confirmed_by else None,
        confirmed_by=confirmed_by.id if confirmed_by else None,
    )
    db.add(address)
    await db.flush()
    return address


async def make_entry(
    db: AsyncSession,
    *,
    community: OrgUnit,
    role: BoardRole,
    name: str,
    phone: str | None = None,
    grid: OrgUnit | None = None,
    building: Building | None = None,
    hours: str | None = "周一至周五 9:00-18:00",
    duties: str | None = None,
    position: int = 0,
) -> BoardEntry:
    level = BoardLevel.building if building else BoardLevel.grid if grid else BoardLevel.community
    entry = BoardEntry(
        community_id=community.id,
        level=level,
        grid_id=grid.id if grid and not building else None,
        building_id=building.id if building else None,
        role=role,
        name=name,
        phone=phone,
        hours=hours,
        duties=duties,
        position=position,
        verified_at=clock.now(),
    )
    db.add(entry)
    await db.flush()
    return entry
