"""Bookings per second at 32 concurrent clients on a popular slot set, and the direct-SQL ceiling.

    .venv/bin/python -m bench bookings          (own embedded PostgreSQL; or DATABASE_URL's server)

Phase 1 drives the real app in-process over HTTP (httpx ASGITransport: auth, idempotency key, locks,
quota checks, waitlist, notification + outbox, commit). Phase 2 runs, on a fresh copy of the slot
set, the minimum SQL a booking needs (resident lock, slot row lock, duplicate check, counter update or
waitlist position, insert) straight through asyncpg with 32 connections. The ratio says how much of
the database's ceiling the app reaches. Tune with BENCH_BOOKINGS_REQUESTS (default 960).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from app.core import clock
from app.core.database import make_engine, make_sessionmaker
from app.core.migrations import upgrade_async
from app.core.security import create_access_token
from app.core.settings import Settings
from app.main import create_app
from app.models.bookings import BookableService, BookingSlot
from app.models.identity import OrgKind, OrgUnit, Role, RoleGrant, User

CLIENTS = 32
SLOTS = 16
CAPACITY = 20
SETTINGS = Settings(linli_env="dev", jwt_secret="bench-secret-0123456789-abcdefghijklmnop", database_url=None)


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _seed(url: str, residents: int) -> dict[str, Any]:
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as db:
        street = OrgUnit(name="基准街道", kind=OrgKind.street)
        db.add(street)
        await db.flush()
        community = OrgUnit(name="基准社区", kind=OrgKind.community, parent_id=street.id)
        db.add(community)
        await db.flush()
        community.community_id = community.id
        staff = User(
            name="基准社工", username=f"bench-staff-{uuid.uuid4().hex[:6]}", community_id=community.id
        )
        db.add(staff)
        await db.flush()
        db.add(RoleGrant(user_id=staff.id, role=Role.staff, org_unit_id=community.id))
        people = [
            User(name=f"居民{i}", openid=f"bench-{uuid.uuid4().hex}", community_id=community.id)
            for i in range(residents)
        ]
        db.add_all(people)
        service = BookableService(community_id=community.id, name="便民理发", opens_days_ahead=30)
        db.add(service)
        await db.flush()
        start = clock.now() + timedelta(days=1)
        slot_sets = []
        for _copy in range(2):  # one set for the app, one for the SQL ceiling
            slots = [
                BookingSlot(
                    service_id=service.id,
                    community_id=community.id,
                    start_at=start + timedelta(hours=i),
                    end_at=start + timedelta(hours=i, minutes=45),
                    capacity=CAPACITY,
                )
                for i in range(SLOTS)
            ]
            start += timedelta(days=1)
            db.add_all(slots)
            slot_sets.append(slots)
        await db.commit()
        result = {
            "community": community.id,
            "service": service.id,
            "people": [p.id for p in people],
            "app_slots": [s.id for s in slot_sets[0]],
            "sql_slots": [s.id for s in slot_sets[1]],
        }
    await engine.dispose()
    return result


def _plan(
    people: list[uuid.UUID], slots: list[uuid.UUID], requests: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Distinct (resident, slot) pairs, shuffled: each resident books two slots of the popular set."""
    rng = random.Random(6)
    pairs = []
    for person in people:
        for slot in rng.sample(slots, 2):
            pairs.append((person, slot))
    rng.shuffle(pairs)
    return pairs[:requests]


async def _run(jobs: list[Any], worker: Any) -> float:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def loop(n: int) -> None:
        while True:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await worker(n, job)

    started = time.perf_counter()
    await asyncio.gather(*(loop(n) for n in range(CLIENTS)))
    return time.perf_counter() - started


async def _app_phase(url: str, seed: dict[str, Any], requests: int) -> tuple[float, dict[str, int]]:
    engine = make_engine(url, pool_size=CLIENTS, max_overflow=8)
    app = create_app(SETTINGS, sessionmaker=make_sessionmaker(engine))
    tokens = {p: create_access_token(SETTINGS, p)[0] for p in seed["people"]}
    outcomes: dict[str, int] = {}
    jobs = _plan(seed["people"], seed["app_slots"], requests)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

        async def book(_n: int, job: tuple[uuid.UUID, uuid.UUID]) -> None:
            person, slot = job
            r = await client.post(
                "/api/v1/bookings",
                json={"slot_id": str(slot)},
                headers={"Authorization": f"Bearer {tokens[person]}", "Idempotency-Key": uuid.uuid4().hex},
            )
            key = (
                r.json().get("status") if r.status_code == 201 else f"{r.status_code} {r.json().get('code')}"
            )
            outcomes[str(key)] = outcomes.get(str(key), 0) + 1

        elapsed = await _run(jobs, book)
    await engine.dispose()
    return len(jobs) / elapsed, outcomes


async def _sql_phase(url: str, seed: dict[str, Any], requests: int) -> float:
    pool = await asyncpg.create_pool(_plain(url), min_size=CLIENTS, max_size=CLIENTS)
    jobs = _plan(seed["people"], seed["sql_slots"], requests)

    async def book(_n: int, job: tuple[uuid.UUID, uuid.UUID]) -> None:
        person, slot = job
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('bookings:user:' || $1::text, 0))", str(person)
            )
            row = await conn.fetchrow(
                "SELECT capacity, booked, start_at, end_at, community_id FROM booking_slots WHERE id = $1 FOR UPDATE",
                slot,
            )
            dup = await conn.fetchval(
                "SELECT 1 FROM bookings WHERE slot_id = $1 AND user_id = $2 AND status <> 'cancelled'",
                slot,
                person,
            )
            if dup:
                return
            position = None
            if row["booked"] < row["capacity"]:
                status = "confirmed"
                await conn.execute("UPDATE booking_slots SET booked = booked + 1 WHERE id = $1", slot)
            else:
                status = "waitlisted"
                position = 1 + await conn.fetchval(
                    "SELECT count(*) FROM bookings WHERE slot_id = $1 AND status = 'waitlisted'", slot
                )
            now = clock.now()
            await conn.execute(
                """INSERT INTO bookings (id, slot_id, service_id, community_id, user_id, booked_by, slot_start_at,
                       slot_end_at, status, waitlist_position, code, points, created_at, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, 0, $11, $11)""",
                uuid.uuid4(),
                slot,
                seed["service"],
                row["community_id"],
                person,
                row["start_at"],
                row["end_at"],
                status,
                position,
                uuid.uuid4().hex[:12].upper(),
                now,
            )

    elapsed = await _run(jobs, book)
    await pool.close()
    return len(jobs) / elapsed


async def _measure(url: str) -> None:
    requests = int(os.environ.get("BENCH_BOOKINGS_REQUESTS", "960"))
    residents = max(requests // 2 + 1, CLIENTS)
    await upgrade_async(url)
    seed = await _seed(url, residents)
    app_rate, outcomes = await _app_phase(url, seed, requests)
    sql_rate = await _sql_phase(url, seed, requests)
    places = SLOTS * CAPACITY
    print(  # noqa: T201
        f"bookings: {requests} requests by {CLIENTS} concurrent clients on {SLOTS} slots x {CAPACITY} places "
        f"({places} places, the rest waitlisted)\n"
        f"  app over HTTP (in-process): {app_rate:8.1f} bookings/s   outcomes {dict(sorted(outcomes.items()))}\n"
        f"  direct SQL ceiling (asyncpg): {sql_rate:6.1f} bookings/s\n"
        f"  ratio app / ceiling: {app_rate / sql_rate:.2f}"
    )


async def main() -> None:
    external = os.environ.get("DATABASE_URL")
    if external:
        name = f"linli_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(_plain(external))
        await admin.execute(f'CREATE DATABASE "{name}"')
        base, _, query = external.partition("?")
        url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
        try:
            await _measure(url)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        return
    from app.core.embedded import ensure_database, socket_url, start_embedded

    root = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    server = start_embedded(root, cleanup_mode="delete")
    try:
        ensure_database(server, "linli_bench")
        await _measure(socket_url(server, "linli_bench"))
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
