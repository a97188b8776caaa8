"""The ledger under real concurrent transactions (committed; tables truncated around each test)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.database import make_sessionmaker
from app.ledger import service as ledger
from app.ledger.errors import InsufficientBalance
from app.models.ledger import Account, Asset, TransferKind
from tests.support.factories import auth, make_world
from tests.support.ledger import assert_ledger_ok, balance, fund, wallet_balance

TRANSFERS = "/api/v1/transfers"


async def _pay(engine: AsyncEngine, debit_id: uuid.UUID, credit_id: uuid.UUID, amount: int) -> bool:
    async with make_sessionmaker(engine)() as s:
        debit, credit = await s.get_one(Account, debit_id), await s.get_one(Account, credit_id)
        try:
            await ledger.transfer(s, debit=debit, credit=credit, amount=amount, kind=TransferKind.donation)
        except InsufficientBalance:
            await s.rollback()
            return False
        await s.commit()
        return True


async def test_parallel_transfers_both_ways_neither_deadlock_nor_overdraw(
    live_db: AsyncSession, engine: AsyncEngine
) -> None:
    world = await make_world(live_db)
    a = await fund(live_db, world.resident, 30)
    b = await fund(live_db, world.neighbour, 30)
    await live_db.commit()
    jobs = [_pay(engine, a.id, b.id, 7) for _ in range(20)] + [_pay(engine, b.id, a.id, 5) for _ in range(20)]
    results = await asyncio.gather(*jobs)
    ab, ba = sum(results[:20]), sum(results[20:])
    assert await balance(live_db, a.id) == 30 - 7 * ab + 5 * ba
    assert await balance(live_db, b.id) == 30 + 7 * ab - 5 * ba
    assert await balance(live_db, a.id) >= 0
    assert await balance(live_db, b.id) >= 0
    await assert_ledger_ok(live_db)


async def test_parallel_account_creation_makes_one_account(
    live_db: AsyncSession, engine: AsyncEngine
) -> None:
    world = await make_world(live_db)
    await live_db.commit()

    async def create() -> uuid.UUID:
        async with make_sessionmaker(engine)() as s:
            account = await ledger.user_account(s, world.resident.id, Asset.hours)
            await s.commit()
            return account.id

    ids = await asyncio.gather(*[create() for _ in range(10)])
    assert len(set(ids)) == 1


async def test_fifty_parallel_donations_apply_exactly_the_affordable_ones(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    wallet = await fund(live_db, world.resident, 100)
    await live_db.commit()
    body = {"to_user_id": str(world.neighbour.id), "asset": "points", "amount": 3}
    headers = auth(world.resident)
    responses = await asyncio.gather(
        *[live_client.post(TRANSFERS, json=body, headers=headers) for _ in range(50)]
    )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 33, codes
    assert codes.count(409) == 17
    assert all(r.json()["code"] == "insufficient_balance" for r in responses if r.status_code == 409)
    assert await balance(live_db, wallet.id) == 1
    assert await wallet_balance(live_db, world.neighbour) == 99
    await assert_ledger_ok(live_db)
    check = await live_client.get("/api/v1/ledger/check", headers=auth(world.admin))
    assert check.json()["ok"] is True


async def test_parallel_replays_of_one_donation_move_once(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    await fund(live_db, world.resident, 100)
    await live_db.commit()
    body = {"to_user_id": str(world.neighbour.id), "asset": "points", "amount": 10}
    headers = {**auth(world.resident), "Idempotency-Key": "same-gift"}
    responses = await asyncio.gather(
        *[live_client.post(TRANSFERS, json=body, headers=headers) for _ in range(8)]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await wallet_balance(live_db, world.neighbour) == 10
    await assert_ledger_ok(live_db)
