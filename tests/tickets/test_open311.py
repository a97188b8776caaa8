"""Open311 GeoReport v2: services, public request lists without personal data, filing with an api_key."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket, move

API = "/api/v1"
V2 = f"{API}/open311/v2"


async def _key(client: httpx.AsyncClient, world: World, unit: object | None = None) -> str:
    r = await client.post(
        f"{API}/open311-clients",
        json={"name": "区12345平台", "org_unit_id": str(unit or world.street.id)},
        headers=auth(world.admin),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["api_key"])


async def test_services_list_our_categories(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community, name="路灯维修")
    await make_category(db, world.other_community, name="垃圾清运")
    r = await client.get(f"{V2}/services.json")
    assert r.status_code == 200
    names = {s["service_name"]: s for s in r.json()}
    assert set(names) == {"路灯维修", "垃圾清运"}
    assert names["路灯维修"]["service_code"] == str(category.id)
    assert names["路灯维修"]["group"] == "甲社区"
    only = await client.get(f"{V2}/services.json?jurisdiction_id={world.community.id}")
    assert [s["service_name"] for s in only.json()] == ["路灯维修"]


async def test_a_machine_client_files_a_request_and_reads_it_back(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    category = await make_category(db, world.community, resolve_within_hours=24)
    key = await _key(client, world)
    r = await client.post(
        f"{V2}/requests.json",
        data={
            "api_key": key,
            "service_code": str(category.id),
            "description": "桃源路口井盖缺失，联系人手机13812345678",
            "lat": "22.54",
            "long": "113.93",
            "address_string": "桃源路与龙珠大道交叉口",
            "first_name": "三",
            "last_name": "张",
            "phone": "13812345678",
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()[0]
    rid = created["service_request_id"]
    assert created["service_notice"].startswith("工单编号 GD20261201-")

    hidden = await client.get(f"{V2}/requests/{rid}.json")
    assert hidden.status_code == 404  # nothing is public until staff approve a public summary
    await move(
        client,
        rid,
        "publish",
        world.staff,
        public_summary="桃源路口井盖缺失，联系人手机13812345678",
        public_location="桃源路",
    )
    one = await client.get(f"{V2}/requests/{rid}.json")
    assert one.status_code == 200
    req = one.json()[0]
    assert req["status"] == "open"
    assert req["status_notes"].startswith("submitted")
    assert req["service_code"] == str(category.id)
    assert req["lat"] == 22.54
    assert req["long"] == 113.93
    assert req["expected_datetime"] is None
    assert "13812345678" not in one.text
    assert "138****5678" in req["description"]
    assert "张" not in one.text

    # Staff see it in their queue as an open311 ticket with the caller's details.
    staff = (await client.get(f"{API}/tickets/{rid}", headers=auth(world.staff))).json()
    assert staff["channel"] == "open311"
    assert staff["caller_phone"] == "13812345678"

    await move(client, rid, "accept", world.staff)
    accepted = (await client.get(f"{V2}/requests/{rid}.json")).json()[0]
    assert accepted["status_notes"].startswith("accepted")
    assert datetime.fromisoformat(accepted["expected_datetime"]) == datetime(2026, 12, 2, 1, tzinfo=UTC)
    await move(client, rid, "reject", world.staff, reason="已由市政处理")
    closed = (await client.get(f"{V2}/requests/{rid}.json")).json()[0]
    assert closed["status"] == "closed"
    assert closed["status_notes"].startswith("rejected")


async def test_requests_filter_by_service_status_and_dates(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    lights = await make_category(db, world.community)
    water = await make_category(db, world.community)
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    a = await make_ticket(db, lights, world.resident)
    clock.freeze(datetime(2026, 12, 5, 1, tzinfo=UTC))
    b = await make_ticket(db, water, world.resident)
    await move(client, b.id, "reject", world.staff, reason="重复")
    for t in (a, b):
        await move(client, t.id, "publish", world.staff, public_summary="路灯不亮")

    def ids(r: httpx.Response) -> set[str]:
        assert r.status_code == 200, r.text
        return {x["service_request_id"] for x in r.json()}

    assert ids(await client.get(f"{V2}/requests.json?service_code={lights.id}")) == {str(a.id)}
    assert ids(await client.get(f"{V2}/requests.json?status=closed")) == {str(b.id)}
    assert ids(await client.get(f"{V2}/requests.json?status=open")) == {str(a.id)}
    assert ids(
        await client.get(f"{V2}/requests.json", params={"start_date": "2026-12-03T00:00:00+08:00"})
    ) == {str(b.id)}
    assert ids(await client.get(f"{V2}/requests.json", params={"end_date": "2026-12-03T00:00:00+08:00"})) == {
        str(a.id)
    }
    assert ids(await client.get(f"{V2}/requests.json?service_request_id={a.id},{b.id}")) == {
        str(a.id),
        str(b.id),
    }
    body = (await client.get(f"{V2}/requests.json")).text
    assert str(world.resident.id) not in body
    assert "13900001234" not in body


async def test_filing_needs_a_valid_key_for_that_community(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    form = {"service_code": str(category.id), "description": "x"}
    assert (await client.post(f"{V2}/requests.json", data={**form, "api_key": "nope"})).status_code == 401
    assert (await client.post(f"{V2}/requests.json", data=form)).status_code == 422
    key_b = await _key(client, world, world.other_community.id)
    wrong = await client.post(f"{V2}/requests.json", data={**form, "api_key": key_b})
    assert wrong.status_code == 404


async def test_only_admins_issue_keys_for_units_they_govern(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/open311-clients",
        json={"name": "x", "org_unit_id": str(world.community.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 403


async def test_unknown_request_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{V2}/requests/00000000-0000-0000-0000-000000000000.json")
    assert r.status_code == 404
