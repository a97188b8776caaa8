"""Wallet, statement, grants and donations through HTTP."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import User
from app.models.platform import AuditEntry
from tests.support.factories import World, auth, make_user
from tests.support.ledger import assert_ledger_ok, fund, wallet_balance

WALLET = "/api/v1/wallet"
ENTRIES = "/api/v1/wallet/entries"
GRANTS = "/api/v1/grants"
TRANSFERS = "/api/v1/transfers"


def _grant(user: User, amount: int = 100, asset: str = "points") -> dict[str, object]:
    return {"user_id": str(user.id), "asset": asset, "amount": amount, "reason": "志愿服务表彰"}


async def test_new_resident_has_an_empty_wallet(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(WALLET, headers=auth(world.resident))
    assert r.status_code == 200, r.text
    assert r.json()["points"] == 0
    assert r.json()["hours_minutes"] == 0
    assert (await client.get(ENTRIES, headers=auth(world.resident))).json() == {
        "items": [],
        "next_cursor": None,
    }


async def test_staff_grant_credits_the_wallet_and_is_audited(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    r = await client.post(GRANTS, json=_grant(world.resident, 120), headers=auth(world.staff))
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "grant"
    assert r.json()["amount"] == 120
    h = await client.post(GRANTS, json=_grant(world.resident, 90, "hours"), headers=auth(world.staff))
    assert h.status_code == 201
    wallet = (await client.get(WALLET, headers=auth(world.resident))).json()
    assert wallet["points"] == 120
    assert wallet["hours_minutes"] == 90
    audit = (await db.execute(select(AuditEntry).where(AuditEntry.action == "ledger.grant"))).scalars().all()
    assert len(audit) == 2
    assert audit[0].actor_id == world.staff.id
    assert audit[0].detail["reason"] == "志愿服务表彰"
    await assert_ledger_ok(db)


async def test_grant_replay_with_the_same_key_grants_once(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    headers = {**auth(world.staff), "Idempotency-Key": "grant-1"}
    first = await client.post(GRANTS, json=_grant(world.resident, 50), headers=headers)
    again = await client.post(GRANTS, json=_grant(world.resident, 50), headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert await wallet_balance(db, world.resident) == 50
    other = await client.post(GRANTS, json=_grant(world.resident, 51), headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


async def test_residents_cannot_grant(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(GRANTS, json=_grant(world.neighbour), headers=auth(world.resident))
    assert r.status_code == 403


async def test_staff_cannot_grant_to_another_community(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(GRANTS, json=_grant(world.other_resident), headers=auth(world.staff))
    assert r.status_code == 404


async def test_admin_grants_anywhere_in_the_street(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(GRANTS, json=_grant(world.other_resident), headers=auth(world.admin))
    assert r.status_code == 201


@pytest.mark.parametrize("amount", [0, -10, 1.5, "ten"])
async def test_grant_amount_must_be_a_positive_integer(
    client: httpx.AsyncClient, world: World, amount: object
) -> None:
    r = await client.post(
        GRANTS, json={**_grant(world.resident), "amount": amount}, headers=auth(world.staff)
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"][-1] == "amount"


async def test_grant_needs_a_reason(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(GRANTS, json={**_grant(world.resident), "reason": ""}, headers=auth(world.staff))
    assert r.status_code == 422


def _gift(to: User, amount: int = 10, asset: str = "points") -> dict[str, object]:
    return {"to_user_id": str(to.id), "asset": asset, "amount": amount, "memo": "谢谢帮忙"}


async def test_donation_moves_points_to_a_neighbour(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 100)
    await db.flush()
    r = await client.post(TRANSFERS, json=_gift(world.neighbour, 30), headers=auth(world.resident))
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "donation"
    assert (await client.get(WALLET, headers=auth(world.resident))).json()["points"] == 70
    assert (await client.get(WALLET, headers=auth(world.neighbour))).json()["points"] == 30
    await assert_ledger_ok(db)


async def test_donation_replay_moves_once(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 100)
    await db.flush()
    headers = {**auth(world.resident), "Idempotency-Key": "gift-1"}
    a = await client.post(TRANSFERS, json=_gift(world.neighbour, 30), headers=headers)
    b = await client.post(TRANSFERS, json=_gift(world.neighbour, 30), headers=headers)
    assert a.json() == b.json()
    assert b.headers.get("idempotent-replayed") == "true"
    assert await wallet_balance(db, world.resident) == 70


async def test_cannot_donate_more_than_you_have(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 5)
    await db.flush()
    r = await client.post(TRANSFERS, json=_gift(world.neighbour, 6), headers=auth(world.resident))
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_balance"
    assert await wallet_balance(db, world.resident) == 5


async def test_cannot_donate_to_yourself(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 50)
    await db.flush()
    r = await client.post(TRANSFERS, json=_gift(world.resident), headers=auth(world.resident))
    assert r.status_code == 422
    assert r.json()["code"] == "donation_to_self"


async def test_cannot_donate_to_another_community(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 50)
    await db.flush()
    r = await client.post(TRANSFERS, json=_gift(world.other_resident), headers=auth(world.resident))
    assert r.status_code == 404


@pytest.mark.parametrize("amount", [0, -1])
async def test_donation_amount_must_be_positive(client: httpx.AsyncClient, world: World, amount: int) -> None:
    r = await client.post(TRANSFERS, json=_gift(world.neighbour, amount), headers=auth(world.resident))
    assert r.status_code == 422


async def test_donations_follow_the_community_switch(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 50)
    world.community.donations_enabled = False
    await db.flush()
    r = await client.post(TRANSFERS, json=_gift(world.neighbour), headers=auth(world.resident))
    assert r.status_code == 403
    assert r.json()["code"] == "donations_disabled"


async def test_daily_donation_limit_resets_the_next_shanghai_day(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    # Tokens are checked against the real clock too, so time only moves forward from now.
    clock.freeze(clock.now())
    await fund(db, world.resident, 2000)
    await db.flush()
    ok = await client.post(TRANSFERS, json=_gift(world.neighbour, 450), headers=auth(world.resident))
    assert ok.status_code == 201
    over = await client.post(TRANSFERS, json=_gift(world.neighbour, 51), headers=auth(world.resident))
    assert over.status_code == 409
    assert over.json()["code"] == "donation_limit_exceeded"
    local = clock.now().astimezone(clock.SHANGHAI)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=clock.SHANGHAI)
    clock.freeze(midnight)
    again = await client.post(TRANSFERS, json=_gift(world.neighbour, 500), headers=auth(world.resident))
    assert again.status_code == 201


async def test_resident_without_community_cannot_donate(client: httpx.AsyncClient, db: AsyncSession) -> None:
    drifter = await make_user(db)
    other = await make_user(db)
    await db.flush()
    r = await client.post(TRANSFERS, json=_gift(other), headers=auth(drifter))
    assert r.status_code == 409
    assert r.json()["code"] == "no_community"


async def test_statement_shows_signed_amounts_counterparty_and_balance_after(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    clock.freeze(clock.now())
    await client.post(GRANTS, json=_grant(world.resident, 100), headers=auth(world.staff))
    clock.advance(timedelta(seconds=1))
    await client.post(TRANSFERS, json=_gift(world.neighbour, 30), headers=auth(world.resident))
    clock.advance(timedelta(seconds=1))
    await client.post(GRANTS, json=_grant(world.resident, 60, "hours"), headers=auth(world.staff))
    r = await client.get(ENTRIES, headers=auth(world.resident))
    items = r.json()["items"]
    assert [(e["asset"], e["amount"], e["kind"], e["balance_after"]) for e in items] == [
        ("hours", 60, "grant", 60),
        ("points", -30, "donation", 70),
        ("points", 100, "grant", 100),
    ]
    assert items[1]["counterparty"] == "刘**"
    assert items[2]["counterparty"] == "社区发放"
    only_points = (await client.get(ENTRIES, params={"asset": "points"}, headers=auth(world.resident))).json()
    assert len(only_points["items"]) == 2
    neighbour = (await client.get(ENTRIES, headers=auth(world.neighbour))).json()["items"]
    assert [(e["amount"], e["counterparty"], e["memo"]) for e in neighbour] == [(30, "张**", "谢谢帮忙")]


async def test_statement_pages_with_a_cursor(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    clock.freeze(clock.now())
    for n in range(5):
        clock.advance(timedelta(seconds=1))
        await client.post(GRANTS, json=_grant(world.resident, n + 1), headers=auth(world.staff))
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(ENTRIES, params=params, headers=auth(world.resident))).json()
        seen += [e["amount"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [5, 4, 3, 2, 1]
    bad = await client.get(ENTRIES, params={"cursor": "!!"}, headers=auth(world.resident))
    assert bad.status_code == 422
