"""Services: staff create and change them with their rules; everyone signed in reads active ones."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.platform import AuditEntry
from tests.support.bookings import SERVICES, make_service
from tests.support.factories import World, auth

HAIRCUT = {
    "name": "便民理发",
    "category": "生活服务",
    "description": "每周一、四上午，志愿理发师",
    "provider_kind": "social_org",
    "provider_name": "邻里志愿服务队",
    "location": "邻里中心一楼",
    "audience": "seniors",
    "points_price": 5,
    "opens_days_ahead": 7,
    "closes_minutes_before": 60,
    "cancel_before_minutes": 120,
    "quota_per_week": 1,
    "quota_per_day": 1,
    "approval_required": False,
    "waitlist": True,
}


async def test_staff_create_a_service_with_its_rules(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    r = await client.post(SERVICES, json=HAIRCUT, headers=auth(world.staff))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["community_id"] == str(world.community.id)
    for key in ("name", "points_price", "waitlist", "quota_per_week", "cancel_before_minutes", "audience"):
        assert body[key] == HAIRCUT[key]
    assert body["active"] is True
    audit = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "bookings.service_created"))
    ).scalar_one()
    assert audit.actor_id == world.staff.id

    got = await client.get(f"{SERVICES}/{body['id']}", headers=auth(world.resident))
    assert got.status_code == 200
    assert got.json()["name"] == "便民理发"


async def test_resident_cannot_create_a_service(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(SERVICES, json=HAIRCUT, headers=auth(world.resident))
    assert r.status_code == 403


async def test_staff_cannot_create_in_another_community(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        SERVICES, json={**HAIRCUT, "community_id": str(world.other_community.id)}, headers=auth(world.staff)
    )
    assert r.status_code == 404  # acting_community: out of scope reads as absent
    assert r.json()["code"] == "community_not_found"


async def test_bad_rules_are_422(client: httpx.AsyncClient, world: World) -> None:
    for bad in ({"points_price": -1}, {"quota_per_week": 0}, {"name": ""}, {"provider_kind": "merchant"}):
        r = await client.post(SERVICES, json={**HAIRCUT, **bad}, headers=auth(world.staff))
        assert r.status_code == 422, bad


async def test_merchant_provider_must_be_of_the_community(client: httpx.AsyncClient, world: World) -> None:
    ok = await client.post(
        SERVICES,
        json={**HAIRCUT, "provider_kind": "merchant", "merchant_id": str(world.merchant.id)},
        headers=auth(world.staff),
    )
    assert ok.status_code == 201, ok.text
    other = await client.post(
        SERVICES,
        json={**HAIRCUT, "provider_kind": "merchant", "merchant_id": str(world.other_merchant.id)},
        headers=auth(world.staff),
    )
    assert other.status_code == 404


async def test_patch_changes_rules_and_clears_a_quota(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community, quota_per_week=2)
    r = await client.patch(
        f"{SERVICES}/{service.id}",
        json={"points_price": 10, "quota_per_week": None, "waitlist": False},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    assert r.json()["points_price"] == 10
    assert r.json()["quota_per_week"] is None
    assert r.json()["waitlist"] is False


async def test_other_community_staff_cannot_patch(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community)
    r = await client.patch(f"{SERVICES}/{service.id}", json={"name": "x"}, headers=auth(world.other_staff))
    assert r.status_code == 404


async def test_inactive_service_is_hidden_from_residents(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community, active=False)
    assert (await client.get(f"{SERVICES}/{service.id}", headers=auth(world.resident))).status_code == 404
    assert (await client.get(f"{SERVICES}/{service.id}", headers=auth(world.staff))).status_code == 200
    listed = await client.get(SERVICES, headers=auth(world.resident))
    assert listed.json()["items"] == []
    staff_list = await client.get(SERVICES, params={"include_inactive": True}, headers=auth(world.staff))
    assert [s["id"] for s in staff_list.json()["items"]] == [str(service.id)]


async def test_list_shows_own_community_and_pages(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    for name in ("法律咨询", "棋牌室", "日间照料"):
        await make_service(db, world.community, name=name)
    await make_service(db, world.other_community, name="乙社区理发")
    first = await client.get(SERVICES, params={"limit": 2}, headers=auth(world.resident))
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2
    second = await client.get(
        SERVICES, params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth(world.resident)
    )
    names = [s["name"] for s in page["items"] + second.json()["items"]]
    assert sorted(names) == sorted(["法律咨询", "棋牌室", "日间照料"])
    assert second.json()["next_cursor"] is None
