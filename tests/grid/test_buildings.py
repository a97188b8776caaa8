"""Grids and buildings: CRUD through HTTP, scoped to the community (another community's are 404)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import OrgKind, Role
from tests.support.factories import World, auth, make_unit, make_user
from tests.support.grid import make_address, make_building

API = "/api/v1"


async def test_staff_create_a_grid_and_buildings_and_list_them_in_order(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(f"{API}/grids", json={"name": "甲二网格"}, headers=auth(world.staff))
    assert r.status_code == 201, r.text
    grid = r.json()
    assert grid["community_id"] == str(world.community.id)
    for compound, name in [("桃源居", "3栋"), ("桃源居", "1栋"), ("阳光花园", "A座")]:
        r = await client.post(
            f"{API}/buildings",
            json={"grid_id": grid["id"], "compound": compound, "name": name, "units": 2, "floors": 18},
            headers=auth(world.staff),
        )
        assert r.status_code == 201, r.text
        assert r.json()["grid_name"] == "甲二网格"
    r = await client.get(f"{API}/buildings?limit=2", headers=auth(world.staff))
    page = r.json()
    assert [(b["compound"], b["name"]) for b in page["items"]] == [("桃源居", "1栋"), ("桃源居", "3栋")]
    assert page["items"][0]["residents_registered"] == 0
    r = await client.get(f"{API}/buildings?cursor={page['next_cursor']}", headers=auth(world.staff))
    assert [b["name"] for b in r.json()["items"]] == ["A座"]
    grids = (await client.get(f"{API}/grids", headers=auth(world.resident))).json()
    assert {g["name"]: g["buildings"] for g in grids} == {"甲一网格": 0, "甲二网格": 3}


async def test_residents_read_buildings_without_counts_and_cannot_write(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    r = await client.get(f"{API}/buildings", headers=auth(world.resident))
    assert r.status_code == 200
    assert r.json()["items"][0]["residents_registered"] is None
    r = await client.post(
        f"{API}/buildings",
        json={"grid_id": str(world.grid.id), "compound": "x", "name": "9栋"},
        headers=auth(world.resident),
    )
    assert r.status_code == 403
    r = await client.patch(f"{API}/buildings/{building.id}", json={"floors": 3}, headers=auth(world.handler))
    assert r.status_code == 403


async def test_staff_of_another_community_get_404_on_its_grid_and_buildings(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    them = auth(world.other_staff)
    assert (await client.get(f"{API}/buildings/{building.id}", headers=them)).json()[
        "code"
    ] == "building_not_found"
    assert (
        await client.patch(f"{API}/buildings/{building.id}", json={"floors": 3}, headers=them)
    ).status_code == 404
    assert (await client.delete(f"{API}/buildings/{building.id}", headers=them)).status_code == 404
    assert (await client.get(f"{API}/buildings/{building.id}/residents", headers=them)).status_code == 404
    assert (await client.get(f"{API}/grids/{world.grid.id}", headers=them)).json()["code"] == "grid_not_found"
    assert (
        await client.patch(f"{API}/grids/{world.grid.id}", json={"name": "x"}, headers=them)
    ).status_code == 404
    r = await client.post(
        f"{API}/buildings", json={"grid_id": str(world.grid.id), "compound": "x", "name": "1栋"}, headers=them
    )
    assert r.status_code == 404
    r = await client.get(f"{API}/buildings?community_id={world.community.id}", headers=them)
    assert r.json()["code"] == "community_not_found"
    r = await client.get(f"{API}/buildings/{building.id}", headers=auth(world.other_resident))
    assert r.status_code == 404
    # Their own list does not show A's building either.
    assert (await client.get(f"{API}/buildings", headers=them)).json()["items"] == []


async def test_a_duplicate_building_name_in_a_compound_is_409(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await make_building(db, world.grid, compound="桃源居", name="3栋")
    other = await make_building(db, world.grid, compound="桃源居", name="4栋")
    body = {"grid_id": str(world.grid.id), "compound": "桃源居", "name": "3栋"}
    r = await client.post(f"{API}/buildings", json=body, headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "building_exists")
    r = await client.patch(f"{API}/buildings/{other.id}", json={"name": "3栋"}, headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "building_exists")
    # The same name in another compound is fine.
    r = await client.post(
        f"{API}/buildings", json={**body, "compound": "阳光花园"}, headers=auth(world.staff)
    )
    assert r.status_code == 201


async def test_a_building_moves_to_another_grid_of_its_community_only(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    second = await make_unit(db, OrgKind.grid, world.community, name="甲二网格")
    foreign = await make_unit(db, OrgKind.grid, world.other_community, name="乙一网格")
    r = await client.patch(
        f"{API}/buildings/{building.id}", json={"grid_id": str(foreign.id)}, headers=auth(world.staff)
    )
    assert r.status_code == 404
    r = await client.patch(
        f"{API}/buildings/{building.id}",
        json={"grid_id": str(second.id), "floors": 6},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["grid_id"], r.json()["grid_name"], r.json()["floors"]) == (str(second.id), "甲二网格", 6)


async def test_buildings_are_not_made_in_a_department_or_with_silly_sizes(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"grid_id": str(world.department.id), "compound": "桃源居", "name": "1栋"}
    r = await client.post(f"{API}/buildings", json=body, headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (404, "grid_not_found")
    for bad in ({"floors": 0}, {"units": 1000}, {"name": ""}, {"name": "栋" * 51}):
        r = await client.post(
            f"{API}/buildings", json={**body, "grid_id": str(world.grid.id), **bad}, headers=auth(world.staff)
        )
        assert r.status_code == 422, bad


async def test_deleting_keeps_what_is_in_use(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    lived_in = await make_building(db, world.grid)
    empty = await make_building(db, world.grid)
    await make_address(db, world.resident, lived_in)
    r = await client.delete(f"{API}/buildings/{lived_in.id}", headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "building_in_use")
    r = await client.delete(f"{API}/grids/{world.grid.id}", headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "grid_in_use")
    assert (await client.delete(f"{API}/buildings/{empty.id}", headers=auth(world.staff))).status_code == 204
    spare = (await client.post(f"{API}/grids", json={"name": "空网格"}, headers=auth(world.staff))).json()
    assert (await client.delete(f"{API}/grids/{spare['id']}", headers=auth(world.staff))).status_code == 204
    assert (await client.get(f"{API}/grids/{spare['id']}", headers=auth(world.staff))).status_code == 404


async def test_an_admin_over_several_communities_must_name_one(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(f"{API}/grids", json={"name": "新网格"}, headers=auth(world.admin))
    assert (r.status_code, r.json()["code"]) == (422, "community_required")
    r = await client.post(
        f"{API}/grids",
        json={"name": "新网格", "community_id": str(world.other_community.id)},
        headers=auth(world.admin),
    )
    assert r.status_code == 201
    r = await client.post(
        f"{API}/grids",
        json={"name": "新网格", "community_id": str(world.other_community.id)},
        headers=auth(world.admin),
    )
    assert (r.status_code, r.json()["code"]) == (409, "grid_exists")


async def test_a_building_lead_is_made_by_invitation_at_a_building(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    building = await make_building(db, world.grid)
    r = await client.post(
        f"{API}/invitations",
        json={"role": "building_lead", "building_id": str(building.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    assert r.json()["org_unit_id"] == str(world.grid.id)
    r = await client.post(f"{API}/invitations/{r.json()['code']}/accept", headers=auth(world.neighbour))
    assert r.status_code == 200, r.text
    lead = [g for g in r.json()["roles"] if g["role"] == "building_lead"]
    assert lead == [
        {
            "role": "building_lead",
            "org_unit_id": str(world.grid.id),
            "merchant_id": None,
            "building_id": str(building.id),
        }
    ]
    # Another community's staff cannot invite for it; nor without a building.
    r = await client.post(
        f"{API}/invitations",
        json={"role": "building_lead", "building_id": str(building.id)},
        headers=auth(world.other_staff),
    )
    assert r.status_code == 404
    r = await client.post(
        f"{API}/invitations",
        json={"role": "building_lead", "org_unit_id": str(world.grid.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 422


async def test_grid_names_and_lookups_for_a_handler_of_the_grid(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    worker = await make_user(db, name="网格员小林", roles=[(Role.handler, world.grid)])
    building = await make_building(db, world.grid)
    r = await client.get(f"{API}/buildings/{building.id}", headers=auth(worker))
    assert r.status_code == 200
    r = await client.get(f"{API}/grids?community_id={world.community.id}", headers=auth(worker))
    assert [g["name"] for g in r.json()] == ["甲一网格"]
