"""The ledger under real concurrent transactions (committed; tables truncated around each test)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.database import make_sessionmaker
from app.ledger import service as ledger
from app.ledger.errors import InsufficientBalance
from app.models.ledger import Account, Asset, TransferKind
from tests.support.factories import make_world
from tests.support.ledger import assert_ledger_ok, balance, fund


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
