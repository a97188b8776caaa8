"""The invariant check: over HTTP for admins and as `python -m app ledger-check`."""

from __future__ import annotations

import argparse
import asyncio

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.cli import run_check
from app.models.ledger import Account
from tests.support.factories import TEST_SETTINGS, World, auth, make_world
from tests.support.ledger import fund

CHECK = "/api/v1/ledger/check"


async def test_admin_sees_an_ok_ledger(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await fund(db, world.resident, 100)
    await fund(db, world.other_resident, 7)
    await db.flush()
    r = await client.get(CHECK, headers=auth(world.admin))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True
    assert body["transfers"] >= 2
    assert body["bad_accounts"] == []
    assert body["unbalanced"] == []


async def test_staff_and_residents_may_not_run_the_check(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get(CHECK, headers=auth(world.staff))).status_code == 403
    assert (await client.get(CHECK, headers=auth(world.resident))).status_code == 403
    assert (await client.get(CHECK)).status_code == 401


async def test_a_tampered_balance_is_reported(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    wallet = await fund(db, world.resident, 100)
    await db.execute(update(Account).where(Account.id == wallet.id).values(balance=120))
    await db.flush()
    body = (await client.get(CHECK, headers=auth(world.admin))).json()
    assert body["ok"] is False
    assert [a["account_id"] for a in body["bad_accounts"]] == [str(wallet.id)]
    assert body["bad_accounts"][0]["transfers_sum"] == 100
    assert body["unbalanced"] == [{"community_id": str(world.community.id), "asset": "points", "sum": 20}]


async def test_command_line_check_exits_zero_then_one(live_db: AsyncSession, database_url: str) -> None:
    world = await make_world(live_db)
    wallet = await fund(live_db, world.resident, 10)
    await live_db.commit()
    settings = TEST_SETTINGS.model_copy(update={"database_url": database_url})
    args = argparse.Namespace(command="ledger-check")
    assert await asyncio.to_thread(run_check, settings, args) == 0
    await live_db.execute(update(Account).where(Account.id == wallet.id).values(balance=11))
    await live_db.commit()
    assert await asyncio.to_thread(run_check, settings, args) == 1
