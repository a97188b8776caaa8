"""Redemptions per second and p50/p99 latency through the API (POST /redemptions, 32 concurrent tills),
against 100 merchants and against one hot merchant, next to the same ledger transaction (lock both
accounts, move the balances, write the transfer) done directly with asyncpg in the same run, on the
same database; printed with their ratios.

Uses DATABASE_URL when set (migrated to head first), otherwise a private embedded PostgreSQL.
`.venv/bin/python -m bench merchants` (BENCH_MERCHANTS_PER_TILL=<redemptions per till>, default 40).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from app.core import clock
from app.core.database import make_engine, make_sessionmaker
from app.core.migrations import upgrade
from app.core.security import create_access_token, sha256_hex
from app.core.settings import Settings
from app.ledger import service as ledger
from app.ledger.check import check_invariants
from app.main import create_app
from app.merchants.service import new_code
from app.models.identity import OrgKind, OrgUnit, Role, RoleGrant, User
from app.models.ledger import Asset, TransferKind
from app.models.merchants import Merchant

TILLS = 32
MERCHANTS = 100
PER_TILL = int(os.environ.get("BENCH_MERCHANTS_PER_TILL", "40"))
POINTS = 10

LOCK = "SELECT id, balance, reserved FROM ledger_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
INSERT = """
INSERT INTO ledger_transfers (id, asset, debit_account_id, credit_account_id, amount, kind, reference,
    actor_id, debit_balance_after, credit_balance_after, created_at)
VALUES ($1, 'points', $2, $3, $4, 'redemption', $5, $6, $7, $8, now())
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


@dataclass
class World:
    community: OrgUnit
    merchants: list[Merchant]  # MERCHANTS spread ones, then the hot one
    spread_tills: list[User]  # till i works at merchants i, i+32, i+64, i+96
    hot_tills: list[User]
    residents: list[list[User]]  # per till, one resident per redemption


async def _seed(url: str) -> World:
    engine = make_engine(url, pool_size=2, max_overflow=0)
    tag = uuid.uuid4().hex[:6]
    try:
        async with make_sessionmaker(engine)() as db:
            community = OrgUnit(name=f"压测社区{tag}", kind=OrgKind.community)
            db.add(community)
            await db.flush()
            community.community_id = community.id
            merchants = [
                Merchant(community_id=community.id, name=f"商户{n:03d}") for n in range(MERCHANTS + 1)
            ]
            db.add_all(merchants)
            await db.flush()

            def person(name: str) -> User:
                return User(
                    name=name, openid=f"bench-{tag}-{uuid.uuid4().hex[:12]}", community_id=community.id
                )

            spread = [person(f"店员{n}") for n in range(TILLS)]
            hot = [person(f"热门店员{n}") for n in range(TILLS)]
            residents = [[person(f"居民{t}-{n}") for n in range(PER_TILL)] for t in range(TILLS)]
            db.add_all([*spread, *hot, *(r for group in residents for r in group)])
            await db.flush()
            for i, till in enumerate(spread):
                for m in range(i, MERCHANTS, TILLS):
                    db.add(
                        RoleGrant(
                            user_id=till.id,
                            role=Role.merchant,
                            org_unit_id=community.id,
                            merchant_id=merchants[m].id,
                        )
                    )
            for till in hot:
                db.add(
                    RoleGrant(
                        user_id=till.id,
                        role=Role.merchant,
                        org_unit_id=community.id,
                        merchant_id=merchants[-1].id,
                    )
                )
            issuance = await ledger.system_account(db, community.id, "issuance", Asset.points)
            for resident in (r for group in residents for r in group):
                wallet = await ledger.user_account(db, resident.id, Asset.points)
                await ledger.transfer(
                    db, debit=issuance, credit=wallet, amount=POINTS * 6, kind=TransferKind.grant
                )
            for merchant in merchants:
                await ledger.merchant_account(db, merchant.id)
            await db.commit()
            return World(community, merchants, spread, hot, residents)
    finally:
        await engine.dispose()


async def _codes(url: str, residents: list[list[User]]) -> list[list[str]]:
    """A fresh code per resident, written straight into the table (the phone's part is not measured)."""
    codes = [[new_code() for _ in group] for group in residents]
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        now = clock.now()
        await conn.executemany(
            """
            INSERT INTO redemption_codes (user_id, code_hash, issued_at, expires_at, used_at)
            VALUES ($1, $2, $3, $4, NULL)
            ON CONFLICT (user_id) DO UPDATE SET code_hash = EXCLUDED.code_hash, issued_at = EXCLUDED.issued_at,
                expires_at = EXCLUDED.expires_at, used_at = NULL
            """,
            [
                (r.id, sha256_hex(c), now, now + timedelta(hours=1))
                for group, cs in zip(residents, codes, strict=True)
                for r, c in zip(group, cs, strict=True)
            ],
        )
    finally:
        await conn.close()
    return codes


def _stats(latencies: list[float], elapsed: float) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(latencies) / elapsed, statistics.median(ordered) * 1000, p99 * 1000


async def _through_api(
    url: str, tills: list[User], codes: list[list[str]], merchant_for: Any
) -> tuple[float, float, float]:
    settings = Settings(linli_env="dev", jwt_secret="bench-secret-" + "x" * 32, database_url=url)
    engine = make_engine(url, pool_size=TILLS, max_overflow=8)
    app = create_app(settings, sessionmaker=make_sessionmaker(engine))
    latencies: list[float] = []
    failures: list[str] = []

    async def till(i: int, staff: User) -> None:
        token, _ = create_access_token(settings, staff.id)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
            for n, code in enumerate(codes[i]):
                body = {"code": code, "points": POINTS, "merchant_id": str(merchant_for(i, n))}
                started = time.perf_counter()
                r = await c.post(
                    "/api/v1/redemptions", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
                )
                latencies.append(time.perf_counter() - started)
                if r.status_code != 201:
                    failures.append(r.text)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(till(i, staff) for i, staff in enumerate(tills)))
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    if failures:
        raise RuntimeError(f"{len(failures)} redemptions failed, e.g. {failures[0]}")
    return _stats(latencies, elapsed)


async def _direct(
    url: str, pairs: list[list[tuple[uuid.UUID, uuid.UUID]]], actors: list[User]
) -> tuple[float, float, float]:
    pool = await asyncpg.create_pool(
        url.replace("postgresql+asyncpg://", "postgresql://"), min_size=TILLS, max_size=TILLS
    )
    latencies: list[float] = []

    async def till(i: int) -> None:
        async with pool.acquire() as conn:
            for debit, credit in pairs[i]:
                started = time.perf_counter()
                async with conn.transaction():
                    rows = {r["id"]: r for r in await conn.fetch(LOCK, [debit, credit])}
                    d, c = rows[debit], rows[credit]
                    if d["balance"] - d["reserved"] < POINTS:
                        raise RuntimeError("insufficient balance in the direct run")
                    await conn.execute(
                        "UPDATE ledger_accounts SET balance = balance - $2 WHERE id = $1", debit, POINTS
                    )
                    await conn.execute(
                        "UPDATE ledger_accounts SET balance = balance + $2 WHERE id = $1", credit, POINTS
                    )
                    await conn.execute(
                        INSERT,
                        uuid.uuid4(),
                        debit,
                        credit,
                        POINTS,
                        f"redemption:{uuid.uuid4()}",
                        actors[i].id,
                        d["balance"] - POINTS,
                        c["balance"] + POINTS,
                    )
                latencies.append(time.perf_counter() - started)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(till(i) for i in range(TILLS)))
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return _stats(latencies, elapsed)


async def _accounts(url: str, world: World) -> tuple[dict[uuid.UUID, uuid.UUID], dict[uuid.UUID, uuid.UUID]]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        users = await conn.fetch(
            "SELECT user_id, id FROM ledger_accounts WHERE community_id = $1 AND user_id IS NOT NULL",
            world.community.id,
        )
        shops = await conn.fetch(
            "SELECT merchant_id, id FROM ledger_accounts WHERE community_id = $1 AND merchant_id IS NOT NULL",
            world.community.id,
        )
        return {r["user_id"]: r["id"] for r in users}, {r["merchant_id"]: r["id"] for r in shops}
    finally:
        await conn.close()


async def _check(url: str) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_sessionmaker(engine)() as db:
            return await check_invariants(db)
    finally:
        await engine.dispose()


def _spread_merchant(world: World) -> Any:
    def pick(i: int, n: int) -> uuid.UUID:
        choices = list(range(i, MERCHANTS, TILLS))
        return world.merchants[choices[n % len(choices)]].id

    return pick


async def main() -> None:
    with _database() as url:
        await asyncio.to_thread(upgrade, url)
        world = await _seed(url)
        wallets, shops = await _accounts(url, world)
        spread_pick = _spread_merchant(world)
        hot_id = world.merchants[-1].id

        def pairs(pick: Any) -> list[list[tuple[uuid.UUID, uuid.UUID]]]:
            return [
                [(wallets[r.id], shops[pick(i, n)]) for n, r in enumerate(group)]
                for i, group in enumerate(world.residents)
            ]

        # Warm up (connections, first-request costs) with two tills before measuring.
        warm = await _codes(url, world.residents[:2])
        await _through_api(url, world.spread_tills[:2], [warm[0][:5], warm[1][:5]], spread_pick)
        results = {}
        for name, tills, pick in (
            ("100 merchants", world.spread_tills, spread_pick),
            ("1 hot merchant", world.hot_tills, lambda i, n: hot_id),
        ):
            codes = await _codes(url, world.residents)
            api = await _through_api(url, tills, codes, pick)
            direct = await _direct(url, pairs(pick), tills)
            results[name] = (api, direct)
        report = await _check(url)

    total = TILLS * PER_TILL
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")  # noqa: T201
    print(f"tills: {TILLS}, redemptions per till: {PER_TILL} ({total} per run)")  # noqa: T201
    print(  # noqa: T201
        f"{'scenario':<16} {'API r/s':>9} {'p50 ms':>8} {'p99 ms':>8} | {'direct r/s':>10} {'p50 ms':>8} "
        f"{'p99 ms':>8} | {'API/direct':>10}"
    )
    for name, ((a_rate, a50, a99), (d_rate, d50, d99)) in results.items():
        print(  # noqa: T201
            f"{name:<16} {a_rate:9.1f} {a50:8.1f} {a99:8.1f} | {d_rate:10.1f} {d50:8.1f} {d99:8.1f} | "
            f"{a_rate / d_rate:10.3f}"
        )
    print(f"ledger check after the runs: {'ok' if report['ok'] else 'BROKEN'}")  # noqa: T201
