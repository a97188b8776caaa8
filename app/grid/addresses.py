"""Residents' addresses (住址): their own, set by staff, confirmed, moved out, and who lives where.
Services flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.grid import errors
from app.grid.schemas import (
    AddressIn,
    AddressOut,
    ResidentAtBuildingOut,
)
from app.grid.service import (
    staff_building,
)
from app.identity.principal import Principal
from app.models.grid import Building, ResidentAddress
from app.models.identity import User
from app.platform import audit


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
    building = await staff_building(db, who, building_id)
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
