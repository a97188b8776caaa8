"""Points-priced services: held at booking, posted at check-in or no-show, voided on a timely cancel."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import jobs as bookings
from app.core import clock
from app.ledger import service as ledger
from app.models.ledger import Asset
from tests.support.bookings import BOOKINGS, at, make_service, make_slot
from tests.support.factories import World, auth
from tests.support.ledger import assert_ledger_ok, fund, wallet_balance


async def _available(db: AsyncSession, user) -> int:  # type: ignore[no-untyped-def]
    return await ledger.available(db, await ledger.user_account(db, user.id, Asset.points))


async def test_points_are_held_then_posted_at_check_in(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    await fund(db, world.resident, 20)
    service = await make_service(db, world.community, points_price=5)
    slot = await make_slot(db, service, at(1, 9))
    r = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 5
    assert await _available(db, world.resident) == 15
    assert await wallet_balance(db, world.resident) == 20  # held, not moved
    clock.freeze(at(1, 8, 45))
    checked = await client.post(f"{BOOKINGS}/{r.json()['id']}/check-in", headers=auth(world.staff))
    assert checked.status_code == 200, checked.text
    assert await wallet_balance(db, world.resident) == 15
    assert await _available(db, world.resident) == 15
    await assert_ledger_ok(db)


async def test_timely_cancel_voids_the_hold(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    await fund(db, world.resident, 10)
    service = await make_service(db, world.community, points_price=4)
    slot = await make_slot(db, service, at(1, 9))
    booking = (
        await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    ).json()
    assert await _available(db, world.resident) == 6
    r = await client.post(f"{BOOKINGS}/{booking['id']}/cancel", headers=auth(world.resident))
    assert r.status_code == 200
    assert await _available(db, world.resident) == 10
    assert await wallet_balance(db, world.resident) == 10
    await assert_ledger_ok(db)


async def test_no_show_posts_the_hold(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    clock.freeze(at(0, 8))
    await fund(db, world.resident, 10)
    service = await make_service(db, world.community, points_price=3)
    slot = await make_slot(db, service, at(1, 9))
    booking = (
        await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    ).json()
    assert await bookings.mark_no_shows(db, at(1, 10) + timedelta(minutes=1)) == 1
    got = (await client.get(f"{BOOKINGS}/{booking['id']}", headers=auth(world.resident))).json()
    assert got["status"] == "no_show"
    assert await wallet_balance(db, world.resident) == 7
    await assert_ledger_ok(db)


async def test_not_enough_points_refuses_the_booking(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    await fund(db, world.resident, 2)
    service = await make_service(db, world.community, points_price=5)
    slot = await make_slot(db, service, at(1, 9))
    r = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_balance"
    slots = await client.get(f"/api/v1/services/{service.id}/slots", headers=auth(world.resident))
    assert slots.json()[0]["remaining"] == 2  # nothing was kept


async def test_waiter_holds_points_and_slot_cancel_refunds_everyone(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    await fund(db, world.resident, 10)
    await fund(db, world.neighbour, 10)
    service = await make_service(db, world.community, points_price=5)
    slot = await make_slot(db, service, at(1, 9), capacity=1)
    await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    waiting = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.neighbour))
    assert waiting.json()["status"] == "waitlisted"
    assert await _available(db, world.neighbour) == 5
    r = await client.post(
        f"/api/v1/slots/{slot.id}/cancel", json={"reason": "理发师请假"}, headers=auth(world.staff)
    )
    assert r.status_code == 200
    assert await _available(db, world.resident) == 10
    assert await _available(db, world.neighbour) == 10
    await assert_ledger_ok(db)


async def test_merchant_provided_service_pays_the_merchant(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    await fund(db, world.resident, 10)
    service = await make_service(
        db, world.community, points_price=6, provider_kind="merchant", merchant_id=world.merchant.id
    )
    slot = await make_slot(db, service, at(1, 9))
    booking = (
        await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    ).json()
    clock.freeze(at(1, 9))
    await client.post(f"{BOOKINGS}/{booking['id']}/check-in", headers=auth(world.staff))
    merchant = await ledger.merchant_account(db, world.merchant.id)
    assert await ledger.available(db, merchant) == 6
