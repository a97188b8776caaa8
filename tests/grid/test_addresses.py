"""Residents' addresses: set, confirmed by staff, moved with history; counts; the service functions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.grid import service
from app.models.grid import ResidentAddress
from tests.support.factories import World, auth, make_unit, make_user, make_world
from tests.support.grid import make_address, make_building

API = "/api/v1"


async def test_a_resident_sets_an_address_staff_confirm_it_and_counts_follow(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid, name="3栋")
    assert (await client.get(f"{API}/me/address", headers=auth(world.resident))).json() is None
    r = await client.put(
        f"{API}/me/address",
        json={"building_id": str(building.id), "unit": "2单元", "room": "501"},
        headers=auth(world.resident),
    )
    assert r.status_code == 200, r.text
    address = r.json()
    assert (address["building_name"], address["unit"], address["room"], address["confirmed"]) == (
        "3栋", "2单元", "501", False,
    )  # fmt: skip
    detail = (await client.get(f"{API}/buildings/{building.id}", headers=auth(world.staff))).json()
    assert (detail["residents_registered"], detail["residents_confirmed"]) == (1, 0)

    r = await client.post(f"{API}/addresses/{address['id']}/confirm", headers=auth(world.staff))
    assert r.status_code == 200
    assert r.json()["confirmed"] is True
    again = await client.post(f"{API}/addresses/{address['id']}/confirm", headers=auth(world.staff))
    assert again.json()["confirmed_at"] == r.json()["confirmed_at"]
    counts = (await client.get(f"{API}/buildings/counts", headers=auth(world.staff))).json()
    assert counts == [{"building_id": str(building.id), "registered": 1, "confirmed": 1}]
    residents = (
        await client.get(f"{API}/buildings/{building.id}/residents", headers=auth(world.staff))
    ).json()
    assert [(p["name"], p["room"], p["confirmed"]) for p in residents["items"]] == [("张阿姨", "501", True)]


async def test_moving_building_keeps_history_and_needs_confirming_again(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    first = await make_building(db, world.grid, name="1栋")
    second = await make_building(db, world.grid, name="2栋")
    await make_address(db, world.resident, first, confirmed_by=world.staff)
    clock.advance(timedelta(days=30))
    r = await client.put(
        f"{API}/me/address", json={"building_id": str(second.id)}, headers=auth(world.resident)
    )
    assert r.status_code == 200
    assert (r.json()["building_name"], r.json()["confirmed"]) == ("2栋", False)
    history = (await client.get(f"{API}/me/address/history", headers=auth(world.resident))).json()
    assert [(h["building_name"], h["valid_to"] is None) for h in history] == [("2栋", True), ("1栋", False)]
    assert await service.registered_residents_per_building(db, world.community.id) == {second.id: 1}
    assert await service.confirmed_residents_per_building(db, world.community.id) == {}
    # The old row cannot be confirmed any more.
    r = await client.post(f"{API}/addresses/{history[1]['id']}/confirm", headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "address_closed")
    # Saying the same thing again is not a move.
    await client.put(f"{API}/me/address", json={"building_id": str(second.id)}, headers=auth(world.resident))
    assert len((await client.get(f"{API}/me/address/history", headers=auth(world.resident))).json()) == 2
    # Moving out closes the current one.
    assert (await client.delete(f"{API}/me/address", headers=auth(world.resident))).status_code == 204
    assert (await client.get(f"{API}/me/address", headers=auth(world.resident))).json() is None
    assert await service.current_address(db, world.resident.id) is None


async def test_current_address_gives_building_grid_unit_and_room(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    await client.put(
        f"{API}/me/address", json={"building_id": str(building.id), "unit": "1单元", "room": "302"},
        headers=auth(world.resident),
    )  # fmt: skip
    current = await service.current_address(db, world.resident.id)
    assert current is not None
    assert (current.building_id, current.grid_id, current.unit, current.room) == (
        building.id, world.grid.id, "1单元", "302",
    )  # fmt: skip
    listed = await service.buildings_of(db, world.community.id, grid_ids=[world.grid.id])
    assert [b.id for b in listed] == [building.id]
    assert await service.buildings_of(db, world.community.id, grid_ids=[]) == []


async def test_a_resident_cannot_live_in_another_communitys_building(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    other_grid = await make_unit(db, world.grid.kind, world.other_community)
    theirs = await make_building(db, other_grid)
    r = await client.put(
        f"{API}/me/address", json={"building_id": str(theirs.id)}, headers=auth(world.resident)
    )
    assert (r.status_code, r.json()["code"]) == (404, "building_not_found")
    homeless = await make_user(db)
    r = await client.put(f"{API}/me/address", json={"building_id": str(theirs.id)}, headers=auth(homeless))
    assert (r.status_code, r.json()["code"]) == (422, "community_not_joined")


async def test_unit_and_room_are_personal_data_for_staff_of_the_community_only(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    address = await make_address(db, world.resident, building, room="1802")
    for who in (world.neighbour, world.handler, world.other_staff):
        r = await client.get(f"{API}/buildings/{building.id}/residents", headers=auth(who))
        assert r.status_code in (403, 404)
    r = await client.post(f"{API}/addresses/{address.id}/confirm", headers=auth(world.other_staff))
    assert (r.status_code, r.json()["code"]) == (404, "address_not_found")
    r = await client.get(f"{API}/buildings/{building.id}", headers=auth(world.neighbour))
    assert "1802" not in r.text


async def test_staff_register_an_elders_address_confirmed_at_once(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    r = await client.put(
        f"{API}/users/{world.resident.id}/address",
        json={"building_id": str(building.id), "room": "101"},
        headers=auth(world.staff),
    )
    assert r.status_code == 200
    assert r.json()["confirmed"] is True
    r = await client.put(
        f"{API}/users/{world.other_resident.id}/address",
        json={"building_id": str(building.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 404


async def test_hostile_address_input_is_422(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    for body in (
        {"building_id": "not-a-uuid"},
        {"building_id": str(building.id), "room": "1" * 21},
        {"building_id": str(building.id), "extra": 1},
    ):
        r = await client.put(f"{API}/me/address", json=body, headers=auth(world.resident))
        assert r.status_code == 422, body
    r = await client.get(f"{API}/buildings?cursor=%%%", headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_cursor")


async def test_racing_moves_leave_exactly_one_current_address(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    buildings = [await make_building(live_db, world.grid, name=f"{n}栋") for n in range(1, 7)]
    await live_db.commit()
    answers = await asyncio.gather(
        *(
            live_client.put(
                f"{API}/me/address", json={"building_id": str(b.id)}, headers=auth(world.resident)
            )
            for b in buildings
        )
    )
    assert [a.status_code for a in answers] == [200] * 6
    current = await live_db.scalar(
        select(func.count()).where(
            ResidentAddress.user_id == world.resident.id, ResidentAddress.valid_to.is_(None)
        )
    )
    total = await live_db.scalar(select(func.count()).where(ResidentAddress.user_id == world.resident.id))
    assert (current, total) == (1, 6)
