"""The catalogue: items with materials and versions; staff write, the community reads, others get 404."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.factories import World, auth
from tests.support.service_items import API, apply, make_item, post


def _item(world: World, **extra: object) -> dict[str, object]:
    return {
        "code": "MZ-001",
        "name": "高龄津贴申领",
        "category": "civil_affairs",
        "department_id": str(world.department.id),
        "conditions": "本社区户籍、年满80周岁",
        "materials": [
            {"name": "居民身份证", "form": "original", "count": 1, "required": True},
            {"name": "银行卡", "form": "copy", "count": 1, "required": False},
        ],
        "time_limit_days": 10,
        "fee_fen": 0,
        "channels": ["window", "agent", "online"],
        "legal_basis": "《广东省高龄老人津贴制度》",
        **extra,
    }


async def test_staff_create_an_item_that_residents_read_with_its_materials(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await post(client, "/service-items", world.staff, _item(world), 201)
    assert created["version"] == 1
    assert [m["id"] for m in created["materials"]] == ["m1", "m2"]
    assert created["category_label"] == "民政"
    page = (await client.get(f"{API}/service-items", headers=auth(world.resident))).json()
    assert [i["code"] for i in page["items"]] == ["MZ-001"]
    assert page["items"][0]["materials"][0]["name"] == "居民身份证"


async def test_a_resident_cannot_create_items_and_codes_are_unique(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(f"{API}/service-items", json=_item(world), headers=auth(world.resident))
    assert r.status_code == 403
    await post(client, "/service-items", world.staff, _item(world), 201)
    r = await client.post(f"{API}/service-items", json=_item(world), headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "service_item_code_taken")


async def test_the_department_must_be_a_department_of_the_community(
    client: httpx.AsyncClient, world: World
) -> None:
    for unit in (world.other_department, world.grid):
        r = await client.post(
            f"{API}/service-items", json=_item(world, department_id=str(unit.id)), headers=auth(world.staff)
        )
        assert (r.status_code, r.json()["code"]) == (422, "invalid_department")


async def test_another_communitys_staff_get_404(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department)
    for method, body in (("GET", None), ("PATCH", {"name": "改名"})):
        r = await client.request(
            method, f"{API}/service-items/{item.id}", json=body, headers=auth(world.other_staff)
        )
        assert (r.status_code, r.json()["code"]) == (404, "service_item_not_found")
    page = (await client.get(f"{API}/service-items", headers=auth(world.other_resident))).json()
    assert page["items"] == []


async def test_editing_an_item_leaves_an_application_in_flight_on_its_version(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department, time_limit_days=5)
    before = await apply(client, world.resident, item, ["m1", "m2"])
    assert (before["status"], before["item_version"]) == ("submitted", 1)

    edited = await client.patch(
        f"{API}/service-items/{item.id}",
        json={"time_limit_days": 20, "materials": [{"name": "新增证明", "form": "original"}]},
        headers=auth(world.staff),
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["time_limit_days"]) == (2, 20)

    still = (await client.get(f"{API}/service-requests/{before['id']}", headers=auth(world.resident))).json()
    assert still["item_version"] == 1
    assert [m["name"] for m in still["materials"]] == ["居民身份证", "户口簿", "一寸照片"]
    assert still["due_on"] == before["due_on"]
    after = await apply(client, world.neighbour, item, [])
    assert (after["item_version"], [m["name"] for m in after["missing"]]) == (2, ["新增证明"])


async def test_toggling_active_makes_no_new_version_and_hides_the_item(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department)
    r = await client.patch(
        f"{API}/service-items/{item.id}", json={"active": False}, headers=auth(world.staff)
    )
    assert (r.json()["version"], r.json()["active"]) == (1, False)
    assert (
        await client.get(f"{API}/service-items/{item.id}", headers=auth(world.resident))
    ).status_code == 404


async def test_hostile_input_is_422(client: httpx.AsyncClient, world: World) -> None:
    for bad in (
        _item(world, code="a b;drop"),
        _item(world, fee_fen=-1),
        _item(world, category="民政"),
        _item(world, channels=[]),
        _item(world, materials=[{"name": "x", "count": 0}]),
    ):
        r = await client.post(f"{API}/service-items", json=bad, headers=auth(world.staff))
        assert r.status_code == 422, bad


async def test_control_characters_in_free_text_are_refused(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/service-items", json=_item(world, name="高龄\x00津贴"), headers=auth(world.staff)
    )
    assert r.status_code == 422
