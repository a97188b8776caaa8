"""Tickets by place: a building (chosen or the reporter's), its grid, routing to the grid's workers,
queue filters and stats by grid; tickets without a building keep working."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import OrgKind, Role
from tests.support.factories import World, auth, make_unit, make_user
from tests.support.grid import make_address, make_building
from tests.support.tickets import make_category, move

API = "/api/v1"


async def _file(client: httpx.AsyncClient, who: object, category: object, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"category_id": str(category.id), "description": "楼道灯坏了", **extra}  # type: ignore[attr-defined]
    r = await client.post(f"{API}/tickets", json=body, headers=auth(who))  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_ticket_filed_with_a_building_lands_in_that_grids_workers_queue(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    second = await make_unit(db, OrgKind.grid, world.community, name="甲二网格")
    worker = await make_user(db, name="网格员小林", community=world.community, roles=[(Role.handler, second)])
    other_worker = await make_user(
        db, name="网格员老周", community=world.community, roles=[(Role.handler, world.grid)]
    )
    building = await make_building(db, second, name="7栋")
    category = await make_category(db, world.community)
    r = await client.post(
        f"{API}/ticket-categories",
        json={
            "name": "楼道设施",
            "accept_within_hours": 2,
            "resolve_within_hours": 24,
            "route_to_grid": True,
        },
        headers=auth(world.staff),
    )
    routed = r.json()
    assert routed["route_to_grid"] is True
    ticket = await _file(client, world.resident, category, building_id=str(building.id))
    assert (ticket["building_id"], ticket["grid_id"], ticket["department_id"]) == (
        str(building.id),
        str(second.id),
        None,
    )
    straight = await _file(
        client, world.resident, type("C", (), {"id": routed["id"]}), building_id=str(building.id)
    )
    assert straight["department_id"] == str(second.id)
    queue = (await client.get(f"{API}/tickets", headers=auth(worker))).json()["items"]
    assert [t["id"] for t in queue] == [straight["id"]]
    assert (await client.get(f"{API}/tickets", headers=auth(other_worker))).json()["items"] == []
    # Staff accept and dispatch to the grid; the grid worker signs and resolves.
    await move(client, straight["id"], "accept", world.staff)
    await move(client, straight["id"], "dispatch", world.staff, department_id=str(second.id))
    await move(client, straight["id"], "start", worker)
    assert (await move(client, straight["id"], "resolve", worker, reply="已换灯泡"))["status"] == "resolved"


async def test_the_reporters_building_is_the_default_and_staff_filter_by_grid_and_building(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    home = await make_building(db, world.grid, name="1栋")
    other = await make_building(db, world.grid, name="2栋")
    await make_address(db, world.resident, home)
    category = await make_category(db, world.community)
    mine = await _file(client, world.resident, category)
    assert (mine["building_id"], mine["grid_id"]) == (str(home.id), str(world.grid.id))
    chosen = await _file(client, world.resident, category, building_id=str(other.id))
    placeless = await _file(client, world.neighbour, category)
    assert (placeless["building_id"], placeless["grid_id"]) == (None, None)
    staff = auth(world.staff)

    async def ids(query: str) -> set[str]:
        r = await client.get(f"{API}/tickets{query}", headers=staff)
        return {t["id"] for t in r.json()["items"]}

    assert await ids(f"?grid_id={world.grid.id}") == {mine["id"], chosen["id"]}
    assert await ids(f"?building_id={other.id}") == {chosen["id"]}
    assert await ids("") == {mine["id"], chosen["id"], placeless["id"]}
    # The ticket without a building goes through its life as before.
    await move(client, placeless["id"], "accept", world.staff)
    await move(client, placeless["id"], "dispatch", world.staff, department_id=str(world.department.id))
    stats = (await client.get(f"{API}/stats/tickets?group_by=grid", headers=staff)).json()
    assert {g["label"]: g["total"] for g in stats["groups"]} == {"甲一网格": 2, "未关联楼栋": 1}


async def test_a_ticket_cannot_name_a_building_of_another_community(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    theirs = await make_building(db, await make_unit(db, OrgKind.grid, world.other_community))
    category = await make_category(db, world.community)
    r = await client.post(
        f"{API}/tickets",
        json={"category_id": str(category.id), "description": "x", "building_id": str(theirs.id)},
        headers=auth(world.resident),
    )
    assert (r.status_code, r.json()["code"]) == (404, "building_not_found")
    # Staff of B taking a hotline call for B's category cannot name A's building either.
    mine = await make_building(db, world.grid)
    b_category = await make_category(db, world.other_community)
    r = await client.post(
        f"{API}/tickets",
        json={
            "category_id": str(b_category.id),
            "description": "x",
            "building_id": str(mine.id),
            "channel": "hotline",
        },
        headers=auth(world.other_staff),
    )
    assert r.status_code == 404
