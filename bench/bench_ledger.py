"""Transfers per second through the API (POST /transfers, 32 concurrent clients) next to the same
transaction done directly with asyncpg, in the same run, on the same database; printed with their ratio.

Uses DATABASE_URL when set (migrated to head first), otherwise a private embedded PostgreSQL.
`.venv/bin/python -m bench ledger` (BENCH_LEDGER_TRANSFERS=<per client> to change the size).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx

from app.core.database import make_engine, make_sessionmaker
from app.core.migrations import upgrade
from app.core.security import create_access_token
from app.core.settings import Settings
from app.ledger import service as ledger
from app.ledger.check import check_invariants
from app.main import create_app
from app.models.identity import OrgKind, OrgUnit, User
from app.models.ledger import Asset, TransferKind

CLIENTS = 32
PER_CLIENT = int(os.environ.get("BENCH_LEDGER_TRANSFERS", "30"))

DIRECT_SQL_LOCK = "SELECT id, kind::text, balance, reserved FROM ledger_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
DIRECT_SQL_INSERT = """
INSERT INTO ledger_transfers (id, asset, debit_account_id, credit_account_id, amount, kind, reference,
    memo, actor_id, debit_balance_after, credit_balance_after, created_at)
VALUES ($1, 'points', $2, $3, $4, 'donation', $5, NULL, $6, $7, $8, now())
"""


@contextlib.contextmanager
def _database() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        yield url
        return
    from tests.support.db import embedded_server_url

    with embedded_server_url() as embedded:
        yield embedded


async def _seed(url: str, pairs: int, points: int) -> tuple[OrgUnit, list[tuple[User, User]]]:
    engine = make_engine(url, pool_size=2, max_overflow=0)
    try:
        async with make_sessionmaker(engine)() as db:
            tag = uuid.uuid4().hex[:6]
            community = OrgUnit(name=f"压测社区{tag}", kind=OrgKind.community)
            db.add(community)
            await db.flush()
            community.community_id = community.id
            out = []
            for n in range(pairs):
                a = User(name=f"甲{n}", openid=f"bench-{tag}-a{n}", community_id=community.id)
                b = User(name=f"乙{n}", openid=f"bench-{tag}-b{n}", community_id=community.id)
                db.add_all([a, b])
                await db.flush()
                issuance = await ledger.system_account(db, community.id, "issuance", Asset.points)
                for user in (a, b):
                    wallet = await ledger.user_account(db, user.id, Asset.points)
                    await ledger.transfer(
                        db, debit=issuance, credit=wallet, amount=points, kind=TransferKind.grant
                    )
                out.append((a, b))
            await db.commit()
            return community, out
    finally:
        await engine.dispose()


async def _through_api(url: str, pairs: list[tuple[User, User]]) -> float:
    settings = Settings(linli_env="dev", jwt_secret="bench-secret-" + "x" * 32, database_url=url)
    engine = make_engine(url, pool_size=CLIENTS, max_overflow=8)
    app = create_app(settings, sessionmaker=make_sessionmaker(engine))
    failures = 0

    async def client(sender: User, receiver: User) -> None:
        nonlocal failures
        token, _ = create_access_token(settings, sender.id)
        headers = {"Authorization": f"Bearer {token}"}
        body = {"to_user_id": str(receiver.id), "asset": "points", "amount": 1}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
            for _ in range(PER_CLIENT):
                r = await c.post("/api/v1/transfers", json=body, headers=headers)
                if r.status_code != 201:
                    failures += 1

    try:
        started = time.perf_counter()
        await asyncio.gather(*[client(a, b) for a, b in pairs])
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    if failures:
        raise RuntimeError(f"{failures} API transfers failed")
    return len(pairs) * PER_CLIENT / elapsed


async def _direct(url: str, pairs: list[tuple[User, User]], wallets: dict[uuid.UUID, uuid.UUID]) -> float:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(dsn, min_size=CLIENTS, max_size=CLIENTS)

    async def client(sender: User, receiver: User) -> None:
        debit, credit = wallets[sender.id], wallets[receiver.id]
        async with pool.acquire() as conn:
            for _ in range(PER_CLIENT):
                async with conn.transaction():
                    rows = {r["id"]: r for r in await conn.fetch(DIRECT_SQL_LOCK, [debit, credit])}
                    d, c = rows[debit], rows[credit]
                    if d["balance"] - d["reserved"] < 1:
                        raise RuntimeError("insufficient balance in the direct run")
                    await conn.execute(
                        "UPDATE ledger_accounts SET balance = balance - 1 WHERE id = $1", debit
                    )
                    await conn.execute(
                        "UPDATE ledger_accounts SET balance = balance + 1 WHERE id = $1", credit
                    )
                    await conn.execute(
                        DIRECT_SQL_INSERT,
                        uuid.uuid4(),
                        debit,
                        credit,
                        1,
                        f"donation:{receiver.id}",
                        sender.id,
                        d["balance"] - 1,
                        c["balance"] + 1,
                    )

    try:
        started = time.perf_counter()
        await asyncio.gather(*[client(a, b) for a, b in pairs])
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return len(pairs) * PER_CLIENT / elapsed


async def _wallets(url: str, pairs: list[tuple[User, User]]) -> dict[uuid.UUID, uuid.UUID]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        ids = [u.id for pair in pairs for u in pair]
        rows = await conn.fetch(
            "SELECT user_id, id FROM ledger_accounts WHERE user_id = ANY($1::uuid[]) AND asset = 'points'",
            ids,
        )
        return {r["user_id"]: r["id"] for r in rows}
    finally:
        await conn.close()


async def _check(url: str) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_sessionmaker(engine)() as db:
            return await check_invariants(db)
    finally:
        await engine.dispose()


async def main() -> None:
    with _database() as url:
        await asyncio.to_thread(upgrade, url)
        # The API enforces a daily donation limit (500 points), so each client donates 1 point at a time.
        _, pairs = await _seed(url, CLIENTS, points=PER_CLIENT * 3 + 10)
        wallets = await _wallets(url, pairs)
        # Warm up both paths (connections, first-request costs) before measuring.
        await _through_api(url, pairs[:2])
        api_rate = await _through_api(url, pairs)
        direct_rate = await _direct(url, pairs, wallets)
        report = await _check(url)
        total = CLIENTS * PER_CLIENT
        print(f"clients: {CLIENTS}, transfers per client: {PER_CLIENT} ({total} per path)")  # noqa: T201
        print(f"API (POST /transfers, in-process ASGI): {api_rate:8.1f} transfers/s")  # noqa: T201
        print(f"direct asyncpg (same transaction):      {direct_rate:8.1f} transfers/s")  # noqa: T201
        print(f"ratio API / direct: {api_rate / direct_rate:.3f}")  # noqa: T201
        print(f"ledger check after the run: {'ok' if report['ok'] else 'BROKEN'}")  # noqa: T201
