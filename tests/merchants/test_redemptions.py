"""Redemption at the till (核销): codes, offers, limits, errors, rate limits, and the points moving."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.ledger import service as ledger
from app.merchants.config import rules
from app.models.identity import Role
from app.models.merchants import Offer
from app.models.notifications import Notification
from tests.support.factories import World, auth, make_merchant, make_user
from tests.support.ledger import assert_ledger_ok, balance, fund, wallet_balance
from tests.support.merchants import code_for, make_offer, redeem

API = "/api/v1"


async def test_merchant_redeems_points_and_they_move_to_the_merchant(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, code, points=120)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["points"] == 120
    assert body["status"] == "completed"
    assert body["resident"] == {"name": "张**", "phone": "139****1234"}
    assert "balance" not in r.text
    assert await wallet_balance(db, world.resident) == 380
    till = await ledger.merchant_account(db, world.merchant.id)
    assert await balance(db, till.id) == 120
    note = (
        await db.execute(select(Notification).where(Notification.user_id == world.resident.id))
    ).scalar_one()
    assert note.kind == "redemption.made"
    await assert_ledger_ok(db)


async def test_code_is_single_use(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    assert (await redeem(client, world.merchant_staff, code, points=10)).status_code == 201
    again = await redeem(client, world.merchant_staff, code, points=10)
    assert again.status_code == 409
    assert again.json()["code"] == "code_used"


async def test_expired_code_is_refused(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    clock.advance(timedelta(seconds=rules().code_seconds + 1))
    r = await redeem(client, world.merchant_staff, code, points=10)
    assert r.status_code == 409
    assert r.json()["code"] == "code_expired"
    assert await wallet_balance(db, world.resident) == 500


async def test_unknown_code_is_invalid(client: httpx.AsyncClient, world: World) -> None:
    r = await redeem(client, world.merchant_staff, "123456789012345678", points=10)
    assert r.status_code == 409
    assert r.json()["code"] == "code_invalid"


async def test_replaced_code_is_invalid(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 500)
    old = await code_for(client, world.resident)
    await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, old, points=10)
    assert r.json()["code"] == "code_invalid"


async def test_code_of_another_communitys_resident_is_invalid_here(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.other_resident, 500)
    code = await code_for(client, world.other_resident)
    r = await redeem(client, world.merchant_staff, code, points=10)
    assert r.status_code == 409
    assert r.json()["code"] == "code_invalid"
    assert await wallet_balance(db, world.other_resident) == 500


async def test_malformed_code_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await redeem(client, world.merchant_staff, "12ab", points=10)
    assert r.status_code == 422


async def test_points_and_offer_are_exclusive(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.merchant)
    r = await redeem(client, world.merchant_staff, "123456789012345678", points=10, offer=offer)
    assert r.status_code == 422
    neither = await redeem(client, world.merchant_staff, "123456789012345678")
    assert neither.status_code == 422


async def test_idempotency_key_is_required(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/redemptions",
        json={"code": "123456789012345678", "points": 1},
        headers=auth(world.merchant_staff),
    )
    assert r.status_code == 400
    assert r.json()["code"] == "idempotency_key_required"


async def test_resident_posing_as_merchant_is_403(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.neighbour, code, points=10)
    assert r.status_code == 403
    assert await wallet_balance(db, world.resident) == 500


async def test_staff_of_another_merchant_cannot_redeem_for_this_one(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.other_merchant_staff, code, points=10, merchant_id=str(world.merchant.id))
    assert r.status_code == 403
    assert r.json()["code"] == "not_merchant_staff"


async def test_other_merchants_staff_redeeming_at_their_own_shop_gets_code_invalid(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    # Their shop is in community B; this resident lives in A.
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.other_merchant_staff, code, points=10)
    assert r.json()["code"] == "code_invalid"


async def test_staff_of_two_merchants_must_say_which(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    second = await make_merchant(db, world.community, "第二家店")
    both = await make_user(
        db,
        community=world.community,
        roles=[(Role.merchant, world.community, world.merchant), (Role.merchant, world.community, second)],
    )
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, both, code, points=10)
    assert r.status_code == 422
    assert r.json()["code"] == "merchant_required"
    ok = await redeem(client, both, code, points=10, merchant_id=str(second.id))
    assert ok.status_code == 201
    assert ok.json()["merchant_id"] == str(second.id)


async def test_insufficient_balance_does_not_reveal_the_balance_and_keeps_the_code(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 50)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, code, points=51)
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_balance"
    assert "50" not in r.text
    # The code was not consumed: a smaller amount still works.
    assert (await redeem(client, world.merchant_staff, code, points=50)).status_code == 201


async def test_inactive_merchant_cannot_redeem(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    world.merchant.active = False
    await fund(db, world.resident, 50)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, code, points=5)
    assert r.status_code == 409
    assert r.json()["code"] == "merchant_inactive"


async def test_offer_redemption_takes_its_price_and_one_unit_of_stock(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.merchant, name="鸡蛋一盒", points=80, stock=2)
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, code, offer=offer)
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 80
    assert r.json()["offer_name"] == "鸡蛋一盒"
    await db.refresh(offer)
    assert offer.stock == 1
    assert await wallet_balance(db, world.resident) == 420


async def test_out_of_stock_offer_is_unavailable(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.merchant, stock=0)
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, code, offer=offer)
    assert r.status_code == 409
    assert r.json()["code"] == "offer_unavailable"


async def test_offer_outside_its_dates_or_inactive_is_unavailable(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    now = clock.now()
    later = await make_offer(db, world.merchant, valid_from=now + timedelta(days=1))
    past = await make_offer(db, world.merchant, valid_until=now - timedelta(minutes=1))
    off = await make_offer(db, world.merchant, active=False)
    await fund(db, world.resident, 500)
    for offer in (later, past, off):
        code = await code_for(client, world.resident)
        r = await redeem(client, world.merchant_staff, code, offer=offer)
        assert r.json()["code"] == "offer_unavailable"


async def test_offer_of_another_merchant_is_unavailable(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.other_merchant)
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, code, offer=offer)
    assert r.json()["code"] == "offer_unavailable"


async def test_per_resident_limit(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    offer = await make_offer(db, world.merchant, points=10, per_resident_limit=1)
    await fund(db, world.resident, 500)
    await fund(db, world.neighbour, 500)
    first = await redeem(client, world.merchant_staff, await code_for(client, world.resident), offer=offer)
    assert first.status_code == 201
    second = await redeem(client, world.merchant_staff, await code_for(client, world.resident), offer=offer)
    assert second.status_code == 409
    assert second.json()["code"] == "limit_reached"
    other = await redeem(client, world.merchant_staff, await code_for(client, world.neighbour), offer=offer)
    assert other.status_code == 201


async def test_replay_with_the_same_key_returns_the_first_answer_and_charges_once(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 500)
    code = await code_for(client, world.resident)
    k = uuid.uuid4().hex
    first = await redeem(client, world.merchant_staff, code, points=100, idempotency_key=k)
    again = await redeem(client, world.merchant_staff, code, points=100, idempotency_key=k)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await wallet_balance(db, world.resident) == 400
    other_body = await redeem(client, world.merchant_staff, code, points=99, idempotency_key=k)
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"


async def test_repeated_wrong_codes_lock_the_staff_member_out(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    limit = rules().failures_per_staff
    for n in range(limit):
        r = await redeem(client, world.merchant_staff, f"{n:018d}", points=1)
        assert r.json()["code"] == "code_invalid"
    await fund(db, world.resident, 50)
    good = await code_for(client, world.resident)
    locked = await redeem(client, world.merchant_staff, good, points=1)
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["retry-after"]) > 0
    # Another till of the same shop is not locked by this staff member's mistakes (yet).
    colleague = await make_user(
        db, community=world.community, roles=[(Role.merchant, world.community, world.merchant)]
    )
    assert (await redeem(client, colleague, good, points=1)).status_code == 201


async def test_repeated_wrong_codes_lock_the_merchant_out(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    r_ = rules()
    tills = [
        await make_user(
            db, community=world.community, roles=[(Role.merchant, world.community, world.merchant)]
        )
        for _ in range(r_.failures_per_merchant // r_.failures_per_staff + 1)
    ]
    failures = 0
    for till in tills:
        for _ in range(r_.failures_per_staff):
            if failures == r_.failures_per_merchant:
                break
            r = await redeem(client, till, f"{failures:018d}", points=1)
            assert r.json()["code"] == "code_invalid"
            failures += 1
    fresh = await make_user(
        db, community=world.community, roles=[(Role.merchant, world.community, world.merchant)]
    )
    locked = await redeem(client, fresh, "999999999999999999", points=1)
    assert locked.status_code == 429


async def test_offer_row_is_locked_not_stale(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.merchant, stock=1)
    await fund(db, world.resident, 500)
    await fund(db, world.neighbour, 500)
    assert (
        await redeem(client, world.merchant_staff, await code_for(client, world.resident), offer=offer)
    ).status_code == 201
    r = await redeem(client, world.merchant_staff, await code_for(client, world.neighbour), offer=offer)
    assert r.json()["code"] == "offer_unavailable"
    stock = (await db.execute(select(Offer.stock).where(Offer.id == offer.id))).scalar_one()
    assert stock == 0
