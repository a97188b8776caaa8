"""Categories and intake through every channel: numbers, deadlines, who may file what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth
from tests.support.tickets import make_category

API = "/api/v1"


async def test_staff_create_a_category_and_everyone_in_the_community_reads_it(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        f"{API}/ticket-categories",
        json={
            "name": "紧急维修",
            "default_department_id": str(world.department.id),
            "accept_within_hours": 2,
            "resolve_within_hours": 24,
            "working_time": False,
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["community_id"] == str(world.community.id)
    assert body["working_time"] is False

    listed = await client.get(f"{API}/ticket-categories", headers=auth(world.resident))
    assert [c["name"] for c in listed.json()] == ["紧急维修"]
    other = await client.get(f"{API}/ticket-categories", headers=auth(world.other_resident))
    assert other.json() == []


async def test_resident_cannot_create_a_category(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/ticket-categories",
        json={"name": "x", "accept_within_hours": 1, "resolve_within_hours": 2},
        headers=auth(world.resident),
    )
    assert r.status_code == 403


async def test_category_with_another_communitys_department_is_422(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        f"{API}/ticket-categories",
        json={
            "name": "x",
            "default_department_id": str(world.other_department.id),
            "accept_within_hours": 1,
            "resolve_within_hours": 2,
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_department"


async def test_duplicate_category_name_is_409(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await make_category(db, world.community, name="普通")
    r = await client.post(
        f"{API}/ticket-categories",
        json={"name": "普通", "accept_within_hours": 1, "resolve_within_hours": 2},
        headers=auth(world.staff),
    )
    assert r.status_code == 409
    assert r.json()["code"] == "category_name_taken"


async def test_zero_hour_sla_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/ticket-categories",
        json={"name": "x", "accept_within_hours": 0, "resolve_within_hours": 2},
        headers=auth(world.staff),
    )
    assert r.status_code == 422


async def test_resident_files_in_the_app_and_gets_a_numbered_ticket(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 11, 22, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    category = await make_category(db, world.community, accept_within_hours=2)
    r = await client.post(
        f"{API}/tickets",
        json={
            "category_id": str(category.id),
            "description": "3栋2单元楼道灯坏了",
            "location": "3栋2单元",
            "lat": 22.54,
            "lng": 113.93,
        },
        headers=auth(world.resident),
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["status"] == "submitted"
    assert t["channel"] == "app"
    assert t["reporter_id"] == str(world.resident.id)
    assert t["number"] == "GD20261122-0001"
    assert t["title"] == "3栋2单元楼道灯坏了"
    assert datetime.fromisoformat(t["accept_by"]) == datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    assert t["overdue"] is False
    assert t["caller_phone"] is None

    second = await client.post(
        f"{API}/tickets",
        json={"category_id": str(category.id), "description": "又坏了"},
        headers=auth(world.neighbour),
    )
    assert second.json()["number"] == "GD20261122-0002"


async def test_numbers_restart_each_shanghai_day_and_per_community(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    a = await make_category(db, world.community)
    b = await make_category(db, world.other_community)
    clock.freeze(datetime(2026, 11, 22, 15, 59, tzinfo=UTC))  # 23:59 Shanghai
    first = await client.post(
        f"{API}/tickets", json={"category_id": str(a.id), "description": "a"}, headers=auth(world.resident)
    )
    assert first.json()["number"] == "GD20261122-0001"
    other = await client.post(
        f"{API}/tickets",
        json={"category_id": str(b.id), "description": "b"},
        headers=auth(world.other_resident),
    )
    assert other.json()["number"] == "GD20261122-0001"
    clock.advance(timedelta(minutes=2))  # 00:01 the next day in Shanghai
    nxt = await client.post(
        f"{API}/tickets", json={"category_id": str(a.id), "description": "c"}, headers=auth(world.resident)
    )
    assert nxt.json()["number"] == "GD20261123-0001"


async def test_staff_take_a_hotline_call_on_behalf_of_a_resident(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    r = await client.post(
        f"{API}/tickets",
        json={
            "category_id": str(category.id),
            "channel": "hotline",
            "description": "家里水管漏水",
            "caller_name": "张阿姨",
            "caller_phone": "13900001234",
            "on_behalf_of": str(world.resident.id),
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["channel"] == "hotline"
    assert t["reporter_id"] == str(world.resident.id)
    assert t["caller_phone"] == "13900001234"
    # The resident sees it as theirs, without the caller fields.
    mine = await client.get(f"{API}/tickets/{t['id']}", headers=auth(world.resident))
    assert mine.status_code == 200
    assert mine.json()["caller_phone"] is None


async def test_anonymous_hotline_caller_and_walk_in(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    for channel in ("hotline", "walk_in"):
        r = await client.post(
            f"{API}/tickets",
            json={
                "category_id": str(category.id),
                "channel": channel,
                "description": "路灯不亮",
                "caller_name": "过路人",
                "caller_phone": "13700000000",
            },
            headers=auth(world.staff),
        )
        assert r.status_code == 201, r.text
        assert r.json()["reporter_id"] is None
        assert r.json()["channel"] == channel


async def test_resident_cannot_file_as_hotline(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    r = await client.post(
        f"{API}/tickets",
        json={"category_id": str(category.id), "channel": "hotline", "description": "x"},
        headers=auth(world.resident),
    )
    assert r.status_code == 403
    assert r.json()["code"] == "channel_not_allowed"


async def test_resident_cannot_file_into_another_community(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.other_community)
    r = await client.post(
        f"{API}/tickets",
        json={"category_id": str(category.id), "description": "x"},
        headers=auth(world.resident),
    )
    assert r.status_code == 404


async def test_on_behalf_of_someone_outside_the_community_is_422(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    r = await client.post(
        f"{API}/tickets",
        json={
            "category_id": str(category.id),
            "channel": "hotline",
            "description": "x",
            "on_behalf_of": str(world.other_resident.id),
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_resident"


async def test_bad_input_is_422(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    category = await make_category(db, world.community)
    for body in (
        {"category_id": str(category.id), "description": ""},
        {"category_id": str(category.id), "description": "x", "lat": 200},
        {"category_id": "nope", "description": "x"},
        {"category_id": str(category.id), "description": "x", "channel": "fax"},
    ):
        r = await client.post(f"{API}/tickets", json=body, headers=auth(world.resident))
        assert r.status_code == 422, body


async def test_filing_twice_with_one_idempotency_key_makes_one_ticket(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    headers = {**auth(world.resident), "Idempotency-Key": "k-1"}
    body = {"category_id": str(category.id), "description": "x"}
    first = await client.post(f"{API}/tickets", json=body, headers=headers)
    again = await client.post(f"{API}/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]


async def test_number_format(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    category = await make_category(db, world.community)
    r = await client.post(
        f"{API}/tickets",
        json={"category_id": str(category.id), "description": "x"},
        headers=auth(world.resident),
    )
    assert re.fullmatch(r"GD\d{8}-\d{4}", r.json()["number"])
