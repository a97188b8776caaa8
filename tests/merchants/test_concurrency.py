"""Redemption under real concurrent transactions (committed; tables truncated around each test)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import Role
from app.models.merchants import Offer, Redemption
from tests.support.factories import auth, make_merchant, make_user, make_world
from tests.support.ledger import assert_ledger_ok, fund, wallet_balance
from tests.support.merchants import code_for, make_offer, redeem

API = "/api/v1"


async def test_same_code_posted_30_times_by_two_merchants_redeems_once(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    second = await make_merchant(live_db, world.community, "第二家店")
    second_staff = await make_user(
        live_db, community=world.community, roles=[(Role.merchant, world.community, second)]
    )
    await fund(live_db, world.resident, 1000)
    await live_db.commit()
    code = await code_for(live_client, world.resident)
    tills = [world.merchant_staff, second_staff]
    results = await asyncio.gather(*(redeem(live_client, tills[n % 2], code, points=70) for n in range(30)))
    statuses = Counter(r.status_code for r in results)
    assert statuses[201] == 1, statuses
    assert {r.json()["code"] for r in results if r.status_code != 201} <= {"code_used", "rate_limited"}
    assert await wallet_balance(live_db, world.resident) == 930
    assert (await live_db.execute(select(func.count()).select_from(Redemption))).scalar_one() == 1
    await assert_ledger_ok(live_db)


async def test_last_unit_of_stock_goes_to_exactly_one_resident(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    offer = await make_offer(live_db, world.merchant, name="最后一袋米", points=50, stock=1)
    residents = [await make_user(live_db, community=world.community) for _ in range(12)]
    for resident in residents:
        await fund(live_db, resident, 100)
    await live_db.commit()
    codes = [await code_for(live_client, r) for r in residents]
    tills = [
        await make_user(
            live_db, community=world.community, roles=[(Role.merchant, world.community, world.merchant)]
        )
        for _ in range(3)
    ]
    await live_db.commit()
    results = await asyncio.gather(
        *(redeem(live_client, tills[n % 3], code, offer=offer) for n, code in enumerate(codes))
    )
    statuses = Counter(r.status_code for r in results)
    assert statuses[201] == 1, [r.json() for r in results]
    assert {r.json()["code"] for r in results if r.status_code != 201} == {"offer_unavailable"}
    stock = (await live_db.execute(select(Offer.stock).where(Offer.id == offer.id))).scalar_one()
    assert stock == 0
    await assert_ledger_ok(live_db)


async def test_same_idempotency_key_replayed_20_times_moves_points_once(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await fund(live_db, world.resident, 1000)
    await live_db.commit()
    code = await code_for(live_client, world.resident)
    key = uuid.uuid4().hex
    results = await asyncio.gather(
        *(redeem(live_client, world.merchant_staff, code, points=120, idempotency_key=key) for _ in range(20))
    )
    assert {r.status_code for r in results} == {201}
    # Identical as JSON (the stored replay comes back from JSONB, whose key order differs from the first).
    assert len({json.dumps(r.json(), sort_keys=True) for r in results}) == 1
    assert (await live_db.execute(select(func.count()).select_from(Redemption))).scalar_one() == 1
    assert await wallet_balance(live_db, world.resident) == 880
    await assert_ledger_ok(live_db)


async def test_redemptions_racing_donations_never_overdraw(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await fund(live_db, world.resident, 100)
    await live_db.commit()
    redeemed: list[int] = []

    async def till() -> None:
        # One resident has one live code at a time, so the till asks, scans, repeats.
        for _ in range(6):
            code = await code_for(live_client, world.resident)
            r = await redeem(live_client, world.merchant_staff, code, points=15)
            assert r.status_code in (201, 409), r.text
            if r.status_code == 201:
                redeemed.append(15)
            else:
                assert r.json()["code"] == "insufficient_balance"

    async def donate() -> int:
        r = await live_client.post(
            f"{API}/transfers",
            json={"to_user_id": str(world.neighbour.id), "asset": "points", "amount": 15},
            headers={**auth(world.resident), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code in (201, 409), r.text
        return 15 if r.status_code == 201 else 0

    donated = await asyncio.gather(till(), *(donate() for _ in range(6)))
    spent = sum(redeemed) + sum(d for d in donated if d)
    left = await wallet_balance(live_db, world.resident)
    assert left >= 0
    assert left == 100 - spent
    assert spent >= 90  # 6 × 15 fit; everything past that was refused
    await assert_ledger_ok(live_db)


async def test_two_staff_closing_the_same_period_make_one_statement(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await fund(live_db, world.resident, 500)
    await live_db.commit()
    code = await code_for(live_client, world.resident)
    assert (await redeem(live_client, world.merchant_staff, code, points=100)).status_code == 201
    end = (clock.now() + timedelta(seconds=1)).isoformat()
    clock.advance(timedelta(seconds=2))
    body = {"merchant_id": str(world.merchant.id), "period_end": end}
    results = await asyncio.gather(
        *(
            live_client.post(f"{API}/settlements", json=body, headers=auth(who))
            for who in [world.staff, world.admin] * 4
        )
    )
    statuses = Counter(r.status_code for r in results)
    assert statuses[201] == 1, [r.json() for r in results]
    assert {r.json()["code"] for r in results if r.status_code != 201} == {"settlement_draft_exists"}
    sid = next(r.json()["id"] for r in results if r.status_code == 201)
    confirms = await asyncio.gather(
        *(live_client.post(f"{API}/settlements/{sid}/confirm", headers=auth(world.staff)) for _ in range(5))
    )
    assert Counter(r.status_code for r in confirms) == {200: 1, 409: 4}
    await assert_ledger_ok(live_db)
