"""Settlement (结算): draft → confirmed → paid, discard and regenerate, one statement per item, exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.ledger import service as ledger
from app.merchants import service, settlements
from app.models.ledger import Asset
from app.models.merchants import Redemption, Settlement, SettlementStatus
from tests.support.factories import World, auth
from tests.support.ledger import assert_ledger_ok, balance, fund
from tests.support.merchants import code_for, redeem, redeemed, refund

API = "/api/v1"


async def _close(
    client: httpx.AsyncClient, who: Any, merchant_id: Any, period_end: datetime | None = None
) -> httpx.Response:
    end = period_end or clock.now()
    return await client.post(
        f"{API}/settlements",
        json={"merchant_id": str(merchant_id), "period_end": end.isoformat()},
        headers=auth(who),
    )


async def test_full_cycle_moves_net_points_to_the_settlement_account(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    world.merchant.fen_per_point = 8
    await fund(db, world.resident, 1000)
    a = await redeemed(client, world.merchant_staff, world.resident, 300)
    await redeemed(client, world.merchant_staff, world.resident, 200)
    await refund(client, world.merchant_staff, a, points=50)
    clock.advance(timedelta(seconds=1))

    r = await _close(client, world.staff, world.merchant.id)
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["status"] == "draft"
    assert (s["redemption_count"], s["refund_count"]) == (2, 1)
    assert (s["redeemed_points"], s["refunded_points"], s["net_points"]) == (500, 50, 450)
    assert s["fen_per_point"] == 8
    assert (s["amount_fen"], s["amount_yuan"]) == (3600, "36.00")
    assert sorted(line["points"] for line in s["lines"]) == [-50, 200, 300]

    till = await ledger.merchant_account(db, world.merchant.id)
    assert await balance(db, till.id) == 450  # a draft moves nothing

    c = await client.post(f"{API}/settlements/{s['id']}/confirm", headers=auth(world.staff))
    assert c.status_code == 200, c.text
    assert c.json()["status"] == "confirmed"
    assert c.json()["confirmed_by"] == str(world.staff.id)
    assert c.json()["transfer_id"]
    pool = await ledger.system_account(db, world.community.id, "settlement", Asset.points)
    assert await balance(db, till.id) == 0
    assert await balance(db, pool.id) == 450

    p = await client.post(
        f"{API}/settlements/{s['id']}/pay",
        json={"payment_reference": "银行转账 2026-11"},
        headers=auth(world.staff),
    )
    assert p.status_code == 200
    assert p.json()["status"] == "paid"
    assert p.json()["paid_at"]
    await assert_ledger_ok(db)


async def test_settling_the_same_period_twice_finds_nothing(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    end = clock.now()
    first = await _close(client, world.staff, world.merchant.id, end)
    assert first.status_code == 201
    while_draft = await _close(client, world.staff, world.merchant.id, end)
    assert while_draft.status_code == 409
    assert while_draft.json()["code"] == "settlement_draft_exists"
    await client.post(f"{API}/settlements/{first.json()['id']}/confirm", headers=auth(world.staff))
    again = await _close(client, world.staff, world.merchant.id, end)
    assert again.status_code == 409
    assert again.json()["code"] == "nothing_to_settle"


async def test_confirming_twice_is_an_invalid_transition(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    sid = (await _close(client, world.staff, world.merchant.id)).json()["id"]
    assert (
        await client.post(f"{API}/settlements/{sid}/confirm", headers=auth(world.staff))
    ).status_code == 200
    again = await client.post(f"{API}/settlements/{sid}/confirm", headers=auth(world.staff))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    pay_draftless = await client.post(f"{API}/settlements/{sid}/discard", headers=auth(world.staff))
    assert pay_draftless.status_code == 409


async def test_paying_a_draft_is_an_invalid_transition(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    sid = (await _close(client, world.staff, world.merchant.id)).json()["id"]
    r = await client.post(f"{API}/settlements/{sid}/pay", json={}, headers=auth(world.staff))
    assert r.status_code == 409


async def test_discarded_draft_releases_its_items_for_a_new_one(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    first = (await _close(client, world.staff, world.merchant.id)).json()
    d = await client.post(f"{API}/settlements/{first['id']}/discard", headers=auth(world.staff))
    assert d.status_code == 200
    assert d.json()["status"] == "discarded"
    await redeemed(client, world.merchant_staff, world.resident, 20)
    clock.advance(timedelta(seconds=1))
    second = await _close(client, world.staff, world.merchant.id)
    assert second.status_code == 201
    assert second.json()["net_points"] == 120
    listed = await client.get(f"{API}/settlements?merchant_id={world.merchant.id}", headers=auth(world.staff))
    assert [s["status"] for s in listed.json()["items"]] == ["draft", "discarded"]


async def test_period_end_splits_items_between_statements(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    early = await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(hours=1))
    cut = clock.now()
    clock.advance(timedelta(hours=1))
    late = await redeemed(client, world.merchant_staff, world.resident, 30)
    first = (await _close(client, world.staff, world.merchant.id, cut)).json()
    assert [line["redemption_id"] for line in first["lines"]] == [early]
    await client.post(f"{API}/settlements/{first['id']}/confirm", headers=auth(world.staff))
    # A refund of the already-settled redemption lands in the next statement, against the new one.
    await refund(client, world.staff, early, points=10)
    clock.advance(timedelta(seconds=1))
    second = (await _close(client, world.staff, world.merchant.id)).json()
    assert {(line["kind"], line["redemption_id"], line["points"]) for line in second["lines"]} == {
        ("redemption", late, 30),
        ("refund", early, -10),
    }
    assert second["net_points"] == 20
    ok = await client.post(f"{API}/settlements/{second['id']}/confirm", headers=auth(world.staff))
    assert ok.status_code == 200
    await assert_ledger_ok(db)


async def test_refund_after_a_draft_makes_it_stale_until_regenerated(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    first = (await _close(client, world.staff, world.merchant.id)).json()
    await refund(client, world.merchant_staff, rid, points=40)
    stale = await client.post(f"{API}/settlements/{first['id']}/confirm", headers=auth(world.staff))
    assert stale.status_code == 409
    assert stale.json()["code"] == "settlement_stale"
    await client.post(f"{API}/settlements/{first['id']}/discard", headers=auth(world.staff))
    clock.advance(timedelta(seconds=1))
    second = (await _close(client, world.staff, world.merchant.id)).json()
    assert second["net_points"] == 60
    ok = await client.post(f"{API}/settlements/{second['id']}/confirm", headers=auth(world.staff))
    assert ok.status_code == 200
    await assert_ledger_ok(db)


async def test_refund_beyond_the_merchants_balance_after_settlement_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    sid = (await _close(client, world.staff, world.merchant.id)).json()["id"]
    await client.post(f"{API}/settlements/{sid}/confirm", headers=auth(world.staff))
    r = await refund(client, world.staff, rid)
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_balance"


async def test_only_community_staff_close_periods(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    assert (await _close(client, world.merchant_staff, world.merchant.id)).status_code == 403
    assert (await _close(client, world.resident, world.merchant.id)).status_code == 403
    assert (await _close(client, world.other_staff, world.merchant.id)).status_code == 404
    sid = (await _close(client, world.staff, world.merchant.id)).json()["id"]
    for who in (world.other_staff, world.resident):
        r = await client.get(f"{API}/settlements/{sid}", headers=auth(who))
        assert r.status_code == 404
    # The merchant's staff may read their statement but not confirm it.
    assert (
        await client.get(f"{API}/settlements/{sid}", headers=auth(world.merchant_staff))
    ).status_code == 200
    assert (
        await client.post(f"{API}/settlements/{sid}/confirm", headers=auth(world.merchant_staff))
    ).status_code == 403
    assert (
        await client.post(f"{API}/settlements/{sid}/confirm", headers=auth(world.other_staff))
    ).status_code == 404


async def test_period_end_in_the_future_is_refused(client: httpx.AsyncClient, world: World) -> None:
    r = await _close(client, world.staff, world.merchant.id, clock.now() + timedelta(days=1))
    assert r.status_code == 422
    assert r.json()["code"] == "period_in_future"


async def test_a_redemption_cannot_be_in_two_statements(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 1000)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(seconds=1))
    first = (await _close(client, world.staff, world.merchant.id)).json()
    await client.post(f"{API}/settlements/{first['id']}/confirm", headers=auth(world.staff))
    await redeemed(client, world.merchant_staff, world.resident, 10)
    clock.advance(timedelta(seconds=1))
    second = (await _close(client, world.staff, world.merchant.id)).json()
    assert rid not in {line["redemption_id"] for line in second["lines"]}
    # The schema itself holds one statement id per redemption; pointing it at a missing one fails.
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            await db.execute(
                update(Redemption)
                .where(Redemption.id == rid)
                .values(settlement_id="00000000-0000-0000-0000-000000000000")
            )


async def test_one_draft_per_merchant_is_a_database_rule(db: AsyncSession, world: World) -> None:
    for _ in range(2):
        db.add(
            Settlement(
                merchant_id=world.merchant.id,
                community_id=world.community.id,
                period_end=clock.now(),
                fen_per_point=10,
                status=SettlementStatus.draft,
            )
        )
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            await db.flush()


async def test_statement_exports(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 1000)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    await refund(client, world.merchant_staff, rid, points=25)
    clock.advance(timedelta(seconds=1))
    sid = (await _close(client, world.staff, world.merchant.id)).json()["id"]
    r = await client.get(f"{API}/settlements/{sid}/export.csv", headers=auth(world.staff))
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert ["净积分", "75", "每积分（分）", "10"] in rows
    assert sorted(row[4] for row in rows if row and row[1] in {"核销", "退还"}) == ["-25", "100"]
    x = await client.get(f"{API}/settlements/{sid}/export.xlsx", headers=auth(world.merchant_staff))
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    assert any(row[0] == "金额（元）" and row[1] == "7.50" for row in sheet.iter_rows(values_only=True))
    hidden = await client.get(f"{API}/settlements/{sid}/export.csv", headers=auth(world.other_staff))
    assert hidden.status_code == 404


async def test_monthly_job_drafts_last_month_for_each_merchant_once(
    db: AsyncSession, client: httpx.AsyncClient, world: World
) -> None:
    await fund(db, world.resident, 1000)
    await fund(db, world.other_resident, 1000)
    await redeemed(client, world.merchant_staff, world.resident, 100)
    await redeemed(client, world.other_merchant_staff, world.other_resident, 70)
    next_month = settlements.month_start(clock.now() + timedelta(days=32)) + timedelta(hours=3)
    assert await settlements.draft_monthly(db, next_month) == 2
    assert await settlements.draft_monthly(db, next_month) == 0
    # This month's items are not due yet.
    assert await settlements.draft_monthly(db, clock.now()) == 0


async def test_expire_codes_purges_old_hashes(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 100)
    code = await code_for(client, world.resident)
    assert await service.purge_codes(db, clock.now()) == 0
    assert await service.purge_codes(db, clock.now() + timedelta(hours=2)) == 1
    r = await redeem(client, world.merchant_staff, code, points=1)
    assert r.json()["code"] == "code_invalid"
