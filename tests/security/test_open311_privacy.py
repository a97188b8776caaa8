"""Issue #18 point 4: anonymous Open311 output carries only what staff approved, with phone and ID
numbers masked in any format, rate-limited, on an index; GeoReport v2 shapes a real client expects."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.privacy import mask_contacts
from app.tickets.config import rules
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"
V2 = f"{API}/open311/v2"
SECRET = "张阿姨 138-1234-5678，+8613987654321，身份证 110101199003071234，住幸福路12栋3单元401"


async def _published(client: httpx.AsyncClient, db: AsyncSession, world: World) -> str:
    ticket = await make_ticket(
        db,
        await make_category(db, world.community),
        world.resident,
        description=SECRET,
        lat=22.543219,
        lng=113.934567,
    )
    await db.flush()
    r = await client.post(
        f"{API}/tickets/{ticket.id}/publish",
        json={"public_summary": "楼道灯不亮，联系 138 1234 5678", "public_location": "幸福路 12 栋"},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    return str(ticket.id)


async def test_unapproved_tickets_are_not_public(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    ticket = await make_ticket(
        db, await make_category(db, world.community), world.resident, description=SECRET
    )
    await db.flush()
    assert (await client.get(f"{V2}/requests.json")).json() == []
    assert (await client.get(f"{V2}/requests/{ticket.id}.json")).status_code == 404


async def test_public_output_is_the_approved_summary_masked_and_rounded(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    rid = await _published(client, db, world)
    r = await client.get(f"{V2}/requests.json")
    [req] = r.json()
    assert req["service_request_id"] == rid
    assert req["description"] == "楼道灯不亮，联系 138****5678"
    assert req["address"] == "幸福路 12 栋"
    assert (req["lat"], req["long"]) == (22.543, 113.935)
    for leaked in ("1234-5678", "13987654321", "110101199003071234", "3单元401", "张阿姨"):
        assert leaked not in r.text


async def test_only_staff_of_the_community_publish(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    ticket = await make_ticket(db, await make_category(db, world.community), world.resident)
    await db.flush()
    body = {"public_summary": "路灯"}
    url = f"{API}/tickets/{ticket.id}/publish"
    assert (await client.post(url, json=body, headers=auth(world.resident))).status_code == 403
    assert (await client.post(url, json=body, headers=auth(world.other_staff))).status_code == 404
    assert (await client.post(url, json=body, headers=auth(world.staff))).status_code == 200
    assert (await client.delete(url, headers=auth(world.staff))).status_code == 204
    assert (await client.get(f"{V2}/requests.json")).json() == []


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("0755-12345678", "0755-****5678"),
        ("110101199003071234", "110*************34"),
        ("44030419900307123X", "440*************3X"),
    ],
)
def test_one_masking_function_catches_common_formats(typed: str, shown: str) -> None:
    assert mask_contacts(f"联系{typed}。") == f"联系{shown}。"


def test_numbers_that_are_not_contacts_are_left_alone() -> None:
    for fine in ("2026年11月28日 10:30", "编号 12345", "1234.56 元", "12-3-401 室", "GD20261201-0001"):
        assert mask_contacts(fine) == fine


async def test_anonymous_reads_are_rate_limited(client: httpx.AsyncClient) -> None:
    for _ in range(rules().open311_calls_per_minute):
        assert (await client.get(f"{V2}/services.json")).status_code == 200
    r = await client.get(f"{V2}/requests.json")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


async def test_geo_report_v2_shapes(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    rid = await _published(client, db, world)
    one = await client.get(f"{V2}/requests/{rid}.json")
    assert isinstance(one.json(), list)
    assert len(one.json()) == 1  # an array of one
    xml = await client.get(f"{V2}/requests/{rid}.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == rid
    assert root.findtext("request/description") == "楼道灯不亮，联系 138****5678"
    listed = ElementTree.fromstring((await client.get(f"{V2}/requests.xml")).content)
    assert [r.findtext("service_request_id") for r in listed] == [rid]
    services = ElementTree.fromstring((await client.get(f"{V2}/services.xml")).content)
    code = services.findtext("service/service_code")
    assert code
    definition = await client.get(f"{V2}/services/{code}.json")
    assert definition.json() == {"service_code": code, "attributes": []}
    definition_xml = ElementTree.fromstring((await client.get(f"{V2}/services/{code}.xml")).content)
    assert definition_xml.findtext("service/service_code") == code


async def test_the_public_list_uses_its_partial_index(db: AsyncSession) -> None:
    await db.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        row[0]
        for row in await db.execute(
            text(
                "EXPLAIN SELECT id FROM tickets WHERE public_at IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 50"
            )
        )
    )
    assert "ix_tickets_public_created" in plan


async def test_neighbours_see_mutual_aid_text_with_numbers_masked(
    client: httpx.AsyncClient, world: World
) -> None:
    ask = {
        "title": "帮忙买菜",
        "description": "请打我电话 139-0000-1234",
        "minutes": 30,
        "when_at": (clock.now() + timedelta(days=1)).isoformat(),
    }
    posted = await client.post(f"{API}/mutual-aid", json=ask, headers=auth(world.resident))
    assert posted.json()["description"] == "请打我电话 139-0000-1234"  # the author sees their own words
    seen = (await client.get(f"{API}/mutual-aid", headers=auth(world.neighbour))).json()["items"][0]
    assert seen["description"] == "请打我电话 139****1234"
