"""Refunds (full, partial, window, who) and the redemption histories with their totals and exports."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import httpx
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.ledger import service as ledger
from app.merchants.config import rules
from app.models.identity import Role
from app.models.merchants import Offer
from tests.support.factories import World, auth, make_user
from tests.support.ledger import assert_ledger_ok, balance, fund, wallet_balance
from tests.support.merchants import code_for, make_offer, redeem, redeemed, refund

API = "/api/v1"


async def test_merchant_refunds_in_full(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 300)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    r = await refund(client, world.merchant_staff, rid)
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 100
    assert r.json()["redemption"]["status"] == "refunded"
    assert await wallet_balance(db, world.resident) == 300
    till = await ledger.merchant_account(db, world.merchant.id)
    assert await balance(db, till.id) == 0
    await assert_ledger_ok(db)


async def test_partial_refunds_never_exceed_the_redemption(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 300)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    first = await refund(client, world.merchant_staff, rid, points=30)
    assert first.status_code == 201
    assert first.json()["redemption"]["status"] == "partially_refunded"
    too_much = await refund(client, world.merchant_staff, rid, points=71)
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "refund_exceeds_redeemed"
    rest = await refund(client, world.merchant_staff, rid)
    assert rest.json()["points"] == 70
    assert rest.json()["redemption"]["refunded_points"] == 100
    again = await refund(client, world.staff, rid, points=1)
    assert again.json()["code"] == "refund_exceeds_redeemed"
    assert await wallet_balance(db, world.resident) == 300


async def test_merchant_refund_window_closes_but_staff_can_still_refund(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 300)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    clock.advance(timedelta(hours=rules().refund_window_hours, minutes=1))
    late = await refund(client, world.merchant_staff, rid)
    assert late.status_code == 403
    assert late.json()["code"] == "refund_window_closed"
    by_staff = await refund(client, world.staff, rid, reason="居民投诉，社区核实后退还")
    assert by_staff.status_code == 201
    assert await wallet_balance(db, world.resident) == 300


async def test_other_merchants_staff_cannot_refund(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 300)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    for outsider in (world.other_merchant_staff, world.other_staff, world.neighbour):
        r = await refund(client, outsider, rid)
        assert r.status_code == 404, outsider.name


async def test_resident_cannot_refund_own_redemption(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 300)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    r = await refund(client, world.resident, rid)
    assert r.status_code == 403


async def test_refund_is_idempotent(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 300)
    rid = await redeemed(client, world.merchant_staff, world.resident, 100)
    headers = {**auth(world.merchant_staff), "Idempotency-Key": uuid.uuid4().hex}
    body = {"reason": "退货", "points": 40}
    one = await client.post(f"{API}/redemptions/{rid}/refund", json=body, headers=headers)
    two = await client.post(f"{API}/redemptions/{rid}/refund", json=body, headers=headers)
    assert one.status_code == two.status_code == 201
    assert one.json() == two.json()
    assert await wallet_balance(db, world.resident) == 240


async def test_full_refund_of_an_offer_puts_the_unit_back_and_frees_the_limit(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    offer = await make_offer(db, world.merchant, points=50, stock=1, per_resident_limit=1)
    await fund(db, world.resident, 300)
    r = await redeem(client, world.merchant_staff, await code_for(client, world.resident), offer=offer)
    assert r.status_code == 201
    assert (await refund(client, world.merchant_staff, r.json()["id"])).status_code == 201
    stock = (await db.execute(select(Offer.stock).where(Offer.id == offer.id))).scalar_one()
    assert stock == 1
    again = await redeem(client, world.merchant_staff, await code_for(client, world.resident), offer=offer)
    assert again.status_code == 201


async def test_refund_of_unknown_redemption_is_404(client: httpx.AsyncClient, world: World) -> None:
    r = await refund(client, world.staff, str(uuid.uuid4()))
    assert r.status_code == 404


# ---------------------------------------------------------------- histories


async def test_each_sees_their_own_redemptions(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 500)
    await fund(db, world.neighbour, 500)
    await fund(db, world.other_resident, 500)
    mine = await redeemed(client, world.merchant_staff, world.resident, 10)
    theirs = await redeemed(client, world.merchant_staff, world.neighbour, 20)
    elsewhere = await redeemed(client, world.other_merchant_staff, world.other_resident, 30)

    async def ids(user: object, query: str = "") -> set[str]:
        r = await client.get(f"{API}/redemptions{query}", headers=auth(user))  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        return {item["id"] for item in r.json()["items"]}

    assert await ids(world.resident) == {mine}
    assert await ids(world.merchant_staff) == {mine, theirs}
    assert await ids(world.staff) == {mine, theirs}
    assert await ids(world.other_staff) == {elsewhere}
    assert await ids(world.admin) == {mine, theirs, elsewhere}
    assert await ids(world.staff, f"?merchant_id={world.other_merchant.id}") == set()
    one = await client.get(f"{API}/redemptions/{elsewhere}", headers=auth(world.staff))
    assert one.status_code == 404
    own = await client.get(f"{API}/redemptions/{mine}", headers=auth(world.resident))
    assert own.json()["merchant_name"] == world.merchant.name


async def test_list_pages_newest_first(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 500)
    made = []
    for n in range(3):
        made.append(await redeemed(client, world.merchant_staff, world.resident, 10 + n))
        clock.advance(timedelta(seconds=1))
    first = await client.get(f"{API}/redemptions?limit=2", headers=auth(world.merchant_staff))
    page = first.json()
    rest = await client.get(
        f"{API}/redemptions?limit=2&cursor={page['next_cursor']}", headers=auth(world.merchant_staff)
    )
    assert [i["id"] for i in page["items"] + rest.json()["items"]] == made[::-1]


async def test_summary_per_day_and_staff(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    colleague = await make_user(
        db, name="孙店员", community=world.community, roles=[(Role.merchant, world.community, world.merchant)]
    )
    await fund(db, world.resident, 1000)
    # Tomorrow 10:00 in Shanghai (tokens are checked against real time too, so never freeze in the past).
    clock.freeze((clock.now() + timedelta(days=1)).astimezone(clock.SHANGHAI).replace(hour=10, minute=0))
    a = await redeemed(client, world.merchant_staff, world.resident, 100)
    await redeemed(client, colleague, world.resident, 50)
    await refund(client, world.merchant_staff, a, points=40)
    clock.advance(timedelta(days=1))
    await redeemed(client, world.merchant_staff, world.resident, 10)
    r = await client.get(f"{API}/redemptions/summary", headers=auth(world.merchant_staff))
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["count"], s["points"], s["refunded_points"], s["net_points"]) == (3, 160, 40, 120)
    assert [(d["count"], d["net_points"]) for d in s["by_day"]] == [(2, 110), (1, 10)]
    by_staff = {row["label"]: (row["count"], row["points"]) for row in s["by_staff"]}
    assert by_staff == {"陈店员": (2, 110), "孙店员": (1, 50)}
    today = clock.local_now().date()
    only_today = await client.get(
        f"{API}/redemptions/summary?day={today.isoformat()}&staff_id={world.merchant_staff.id}",
        headers=auth(world.merchant_staff),
    )
    assert only_today.json()["points"] == 10


async def test_staff_exports_csv_and_xlsx(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 500)
    await redeemed(client, world.merchant_staff, world.resident, 88)
    r = await client.get(f"{API}/exports/redemptions.csv", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "时间"
    assert rows[1][4] == "88"
    assert rows[1][8] == "张**"
    x = await client.get(f"{API}/exports/redemptions.xlsx", headers=auth(world.staff))
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    assert sheet.cell(row=2, column=5).value == 88
    other = await client.get(f"{API}/exports/redemptions.csv", headers=auth(world.other_staff))
    assert len(list(csv.reader(io.StringIO(other.content.decode("utf-8-sig"))))) == 1


async def test_merchant_staff_and_residents_cannot_export(client: httpx.AsyncClient, world: World) -> None:
    for who in (world.merchant_staff, world.resident):
        r = await client.get(f"{API}/exports/redemptions.csv", headers=auth(who))
        assert r.status_code == 403
