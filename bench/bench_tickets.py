"""Ticket queues over a generated table: p50/p99 of the staff queue and the resident's list via the API.

`make bench` (or `python -m bench tickets`) seeds BENCH_TICKETS tickets (default 100,000) into a fresh
embedded PostgreSQL, or into DATABASE_URL when set (use a scratch database), then times requests through
the ASGI app in-process. `BENCH_TICKETS=1000000` for the million-row figures in docs/tickets.md.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.database import make_sessionmaker
from app.core.embedded import ensure_database, socket_url, start_embedded
from app.core.migrations import upgrade_async
from app.core.security import create_access_token
from app.core.settings import Settings
from app.main import create_app
from bench.seed import seed

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _time(name: str, n: int, call: Callable[[int], Awaitable[httpx.Response]]) -> None:
    await call(0)  # warm
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        r = await call(i)
        samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
    print(  # noqa: T201
        f"  {name:<44} p50 {statistics.median(samples):7.2f} ms   p99 {_pct(samples, 0.99):7.2f} ms   (n={n})"
    )


async def run(url: str, tickets: int) -> None:
    engine = create_async_engine(url, pool_size=5)
    seconds = await seed(engine, tickets, verbose=False)
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM tickets"))).scalar_one()
        staff_id, resident_ids = (
            await conn.execute(text("SELECT md5('bench-staff-0')::uuid")),
            (
                await conn.execute(
                    text("SELECT id FROM users WHERE openid LIKE 'bench-openid-%' ORDER BY id LIMIT 200")
                )
            )
            .scalars()
            .all(),
        )
        staff = staff_id.scalar_one()
    print(f"  seeded {count:,} tickets in {seconds:.1f} s")  # noqa: T201
    settings = Settings(jwt_secret="bench-secret-0123456789-abcdefghijklmnop", database_url=url)
    app = create_app(settings, sessionmaker=make_sessionmaker(engine))

    def headers(user_id: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_access_token(settings, user_id)[0]}"}  # type: ignore[arg-type]

    staff_h = headers(staff)
    resident_h = [headers(r) for r in resident_ids]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        api = "/api/v1/tickets"
        await _time("staff queue, first page (20)", REQUESTS, lambda i: client.get(api, headers=staff_h))
        first = (await client.get(api + "?limit=100", headers=staff_h)).json()
        cursor = first["next_cursor"]
        await _time(
            "staff queue, next page by cursor",
            REQUESTS,
            lambda i: client.get(api, params={"cursor": cursor}, headers=staff_h),
        )
        await _time(
            "staff queue, overdue=true",
            REQUESTS,
            lambda i: client.get(api + "?overdue=true", headers=staff_h),
        )
        await _time(
            "staff queue, status=dispatched",
            REQUESTS,
            lambda i: client.get(api + "?status=dispatched", headers=staff_h),
        )
        await _time(
            "staff queue, q= text search",
            max(20, REQUESTS // 4),
            lambda i: client.get(api, params={"q": f"#{1000 + i * 37}"}, headers=staff_h),
        )
        await _time(
            "resident list (their own)",
            REQUESTS,
            lambda i: client.get(api, headers=resident_h[i % len(resident_h)]),
        )
    await engine.dispose()


async def main() -> None:
    tickets = int(os.environ.get("BENCH_TICKETS", "100000"))
    started = datetime.now(UTC)
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1)
        await upgrade_async(url)
        await run(url, tickets)
        return
    root = Path(tempfile.mkdtemp(prefix="linli-bench-tickets-"))
    server = start_embedded(root, cleanup_mode="delete")
    try:
        ensure_database(server, "bench")
        url = socket_url(server, "bench")
        await upgrade_async(url)
        await run(url, tickets)
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
    print(f"  total {(datetime.now(UTC) - started).total_seconds():.0f} s")  # noqa: T201
