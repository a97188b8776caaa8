"""Merchants and their offers: who may create, read and change them."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.security import sha256_hex
from app.models.merchants import RedemptionCode
from tests.support.factories import World, auth, make_merchant
from tests.support.merchants import code_for, make_offer

API = "/api/v1"


async def test_staff_creates_merchant_in_own_community(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/merchants",
        json={
            "name": "桃源理发店",
            "address": "桃源路 8 号",
            "category": "理发",
            "contact_name": "李老板",
            "contact_phone": "13712345678",
            "fen_per_point": 5,
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["community_id"] == str(world.community.id)
    assert body["fen_per_point"] == 5
    assert body["effective_fen_per_point"] == 5
    assert body["contact_phone"] == "13712345678"
    # A resident sees the shop, but not the contact's full phone number.
    seen = await client.get(f"{API}/merchants/{body['id']}", headers=auth(world.resident))
    assert seen.status_code == 200
    assert seen.json()["contact_phone"] == "137****5678"


async def test_effective_rate_defaults_to_the_community_rate(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(f"{API}/merchants/{world.merchant.id}", headers=auth(world.resident))
    assert r.status_code == 200
    assert r.json()["fen_per_point"] is None
    assert r.json()["effective_fen_per_point"] == world.community.fen_per_point


async def test_resident_cannot_create_merchant(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(f"{API}/merchants", json={"name": "黑店"}, headers=auth(world.resident))
    assert r.status_code == 403


async def test_staff_cannot_create_merchant_in_another_community(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        f"{API}/merchants",
        json={"name": "越界店", "community_id": str(world.other_community.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 404  # acting_community: out of scope reads as absent
    assert r.json()["code"] == "community_not_found"


async def test_merchant_must_belong_to_a_community(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/merchants",
        json={"name": "网格店", "community_id": str(world.grid.id)},
        headers=auth(world.admin),
    )
    assert r.status_code == 404  # a grid is not a community: acting_community finds none
    assert r.json()["code"] == "community_not_found"


async def test_bad_merchant_payload_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/merchants", json={"name": "", "fen_per_point": 0}, headers=auth(world.staff)
    )
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


async def test_staff_deactivates_merchant_and_residents_stop_seeing_it(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.patch(
        f"{API}/merchants/{world.merchant.id}", json={"active": False}, headers=auth(world.staff)
    )
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    gone = await client.get(f"{API}/merchants/{world.merchant.id}", headers=auth(world.resident))
    assert gone.status_code == 404
    listed = await client.get(f"{API}/merchants", headers=auth(world.resident))
    assert str(world.merchant.id) not in [m["id"] for m in listed.json()["items"]]
    # Its own staff and the community staff still see it.
    for who in (world.merchant_staff, world.staff):
        r = await client.get(f"{API}/merchants/{world.merchant.id}", headers=auth(who))
        assert r.status_code == 200
    staff_list = await client.get(f"{API}/merchants?include_inactive=true", headers=auth(world.staff))
    assert str(world.merchant.id) in [m["id"] for m in staff_list.json()["items"]]


async def test_other_community_staff_cannot_patch_merchant(client: httpx.AsyncClient, world: World) -> None:
    r = await client.patch(
        f"{API}/merchants/{world.merchant.id}", json={"name": "改名"}, headers=auth(world.other_staff)
    )
    assert r.status_code == 403


async def test_merchant_staff_cannot_patch_merchant(client: httpx.AsyncClient, world: World) -> None:
    r = await client.patch(
        f"{API}/merchants/{world.merchant.id}",
        json={"fen_per_point": 100},
        headers=auth(world.merchant_staff),
    )
    assert r.status_code == 403


async def test_list_merchants_filters_and_pages(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    for n in range(3):
        await make_merchant(db, world.community, f"丙店{n}")
    await db.flush()
    r = await client.get(
        f"{API}/merchants?community_id={world.community.id}&limit=2", headers=auth(world.resident)
    )
    assert r.status_code == 200
    first = r.json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = await client.get(
        f"{API}/merchants?community_id={world.community.id}&limit=2&cursor={first['next_cursor']}",
        headers=auth(world.resident),
    )
    names = [m["name"] for m in first["items"] + rest.json()["items"]]
    assert sorted(names) == names
    assert len(names) == 4


async def test_unknown_merchant_is_404(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(
        f"{API}/merchants/00000000-0000-0000-0000-000000000000", headers=auth(world.resident)
    )
    assert r.status_code == 404
    assert r.json()["code"] == "merchant_not_found"


# ---------------------------------------------------------------- offers


async def test_merchant_staff_creates_offer_and_residents_see_it(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        f"{API}/merchants/{world.merchant.id}/offers",
        json={"name": "食用油一桶", "points": 300, "stock": 5, "per_resident_limit": 1},
        headers=auth(world.merchant_staff),
    )
    assert r.status_code == 201, r.text
    offer = r.json()
    assert offer["available"] is True
    assert offer["stock"] == 5
    listed = await client.get(f"{API}/merchants/{world.merchant.id}/offers", headers=auth(world.resident))
    assert [o["name"] for o in listed.json()["items"]] == ["食用油一桶"]


async def test_other_merchants_staff_cannot_create_offer(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/merchants/{world.merchant.id}/offers",
        json={"name": "抢生意", "points": 1},
        headers=auth(world.other_merchant_staff),
    )
    assert r.status_code == 403


async def test_resident_cannot_create_offer(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/merchants/{world.merchant.id}/offers",
        json={"name": "白送", "points": 1},
        headers=auth(world.resident),
    )
    assert r.status_code == 403


async def test_offer_validity_must_be_ordered(client: httpx.AsyncClient, world: World) -> None:
    now = clock.now()
    r = await client.post(
        f"{API}/merchants/{world.merchant.id}/offers",
        json={
            "name": "倒序",
            "points": 10,
            "valid_from": now.isoformat(),
            "valid_until": (now - timedelta(days=1)).isoformat(),
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 422


async def test_deactivated_offer_is_hidden_from_residents(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.merchant, name="月饼")
    r = await client.patch(
        f"{API}/merchants/{world.merchant.id}/offers/{offer.id}",
        json={"active": False},
        headers=auth(world.merchant_staff),
    )
    assert r.status_code == 200, r.text
    assert r.json()["available"] is False
    listed = await client.get(f"{API}/merchants/{world.merchant.id}/offers", headers=auth(world.resident))
    assert listed.json()["items"] == []
    everything = await client.get(
        f"{API}/merchants/{world.merchant.id}/offers?include_inactive=true",
        headers=auth(world.merchant_staff),
    )
    assert [o["id"] for o in everything.json()["items"]] == [str(offer.id)]


async def test_offer_stock_can_be_made_unlimited(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.merchant, stock=0)
    r = await client.patch(
        f"{API}/merchants/{world.merchant.id}/offers/{offer.id}",
        json={"unlimited": True},
        headers=auth(world.staff),
    )
    assert r.status_code == 200
    assert r.json()["stock"] is None
    assert r.json()["available"] is True


async def test_offer_of_another_merchant_is_404(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.other_merchant)
    r = await client.patch(
        f"{API}/merchants/{world.merchant.id}/offers/{offer.id}",
        json={"active": False},
        headers=auth(world.merchant_staff),
    )
    assert r.status_code == 404


# ---------------------------------------------------------------- codes


async def test_resident_gets_an_18_digit_code_with_a_qr_image(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    clock.freeze(clock.now())
    r = await client.post(f"{API}/redemption-codes", headers=auth(world.resident))
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["code"]) == 18
    assert body["code"].isdigit()
    assert body["qr"].startswith("data:image/png;base64,")
    assert base64.b64decode(body["qr"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    # 90 seconds, and only the hash is stored.
    row = (
        await db.execute(select(RedemptionCode).where(RedemptionCode.user_id == world.resident.id))
    ).scalar_one()
    assert row.code_hash == sha256_hex(body["code"])
    assert (row.expires_at - clock.now()).total_seconds() == 90


async def test_new_code_replaces_the_previous_one(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    first = await code_for(client, world.resident)
    second = await code_for(client, world.resident)
    assert first != second
    hashes = (
        (
            await db.execute(
                select(RedemptionCode.code_hash).where(RedemptionCode.user_id == world.resident.id)
            )
        )
        .scalars()
        .all()
    )
    assert hashes == [sha256_hex(second)]


async def test_code_needs_a_community(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(f"{API}/redemption-codes", headers=auth(world.admin))
    assert r.status_code == 409
    assert r.json()["code"] == "community_required"


async def test_code_needs_sign_in(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{API}/redemption-codes")
    assert r.status_code == 401
