"""The bare endpoints the benchmarks compare Linli with: FastAPI + asyncpg, no auth, no idempotency, no
audit, no notification: each the same rows moved as the Linli endpoint, in one SQL statement.

Served by `bench.support.serve_bare()` as `uvicorn bench.bare:app` (one process), DATABASE_URL from the env.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Request

REDEEM = """
WITH c AS (
    UPDATE redemption_codes SET used_at = now()
    WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id
), d AS (
    UPDATE ledger_accounts SET balance = balance - $3
    WHERE user_id = (SELECT user_id FROM c) AND asset = 'points' AND balance - reserved >= $3
    RETURNING id, balance
), m AS (
    UPDATE ledger_accounts SET balance = balance + $3
    WHERE merchant_id = $2 AND asset = 'points' AND EXISTS (SELECT 1 FROM d) RETURNING id, balance
)
INSERT INTO ledger_transfers (id, asset, debit_account_id, credit_account_id, amount, kind, reference,
    debit_balance_after, credit_balance_after, created_at)
SELECT $4, 'points', d.id, m.id, $3, 'redemption', 'bare', d.balance, m.balance, now() FROM d, m
RETURNING id
"""

DONATE = """
WITH d AS (
    UPDATE ledger_accounts SET balance = balance - $3
    WHERE user_id = $1 AND asset = 'points' AND balance - reserved >= $3 RETURNING id, balance
), c AS (
    UPDATE ledger_accounts SET balance = balance + $3
    WHERE user_id = $2 AND asset = 'points' AND EXISTS (SELECT 1 FROM d) RETURNING id, balance
)
INSERT INTO ledger_transfers (id, asset, debit_account_id, credit_account_id, amount, kind, reference,
    debit_balance_after, credit_balance_after, created_at)
SELECT $4, 'points', d.id, c.id, $3, 'donation', 'bare', d.balance, c.balance, now() FROM d, c
RETURNING id
"""

BOOK = """
WITH s AS (
    UPDATE booking_slots SET booked = booked + 1
    WHERE id = $1 AND status = 'open' AND booked < capacity
    RETURNING id, service_id, community_id, start_at, end_at
)
INSERT INTO bookings (id, slot_id, service_id, community_id, user_id, booked_by, slot_start_at, slot_end_at,
    status, code, points, created_at, updated_at)
SELECT $3, s.id, s.service_id, s.community_id, $2, $2, s.start_at, s.end_at, 'confirmed', $4, 0, now(), now()
FROM s RETURNING id
"""

INTAKE = """
INSERT INTO tickets (id, number, community_id, category_id, status, priority, title, description, channel,
    reporter_id, created_by, queue_at, escalation_level, created_at, updated_at)
SELECT $1, $2, c.community_id, c.id, 'submitted', 0, $4, $5, 'app', $3, $3, now(), 0, now(), now()
FROM ticket_categories c WHERE c.id = $6
RETURNING id, number, status
"""

QUEUE = """
SELECT id, number, status, title, queue_at, created_at FROM tickets
WHERE community_id = $1 ORDER BY queue_at, id LIMIT 21
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    app.state.pool = await asyncpg.create_pool(url, min_size=4, max_size=40)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/bare/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _one(request: Request, sql: str, *args: Any) -> asyncpg.Record:
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(sql, *args)
    if row is None:
        raise HTTPException(409, "refused")
    return row


@app.post("/bare/redemptions", status_code=201)
async def redeem(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    import hashlib

    digest = hashlib.sha256(body["code"].encode()).hexdigest()
    row = await _one(
        request, REDEEM, digest, uuid.UUID(body["merchant_id"]), int(body["points"]), uuid.uuid4()
    )
    return {"id": str(row["id"]), "points": body["points"], "status": "completed"}


@app.post("/bare/transfers", status_code=201)
async def donate(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    row = await _one(
        request,
        DONATE,
        uuid.UUID(body["from_user_id"]),
        uuid.UUID(body["to_user_id"]),
        int(body["amount"]),
        uuid.uuid4(),
    )
    return {"id": str(row["id"]), "amount": body["amount"]}


@app.post("/bare/bookings", status_code=201)
async def book(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    row = await _one(
        request,
        BOOK,
        uuid.UUID(body["slot_id"]),
        uuid.UUID(body["user_id"]),
        uuid.uuid4(),
        secrets.token_hex(4),
    )
    return {"id": str(row["id"]), "status": "confirmed"}


@app.post("/bare/tickets", status_code=201)
async def intake(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    row = await _one(
        request,
        INTAKE,
        uuid.uuid4(),
        "B" + secrets.token_hex(6),
        uuid.UUID(body["user_id"]),
        body.get("title") or body["description"][:20],
        body["description"],
        uuid.UUID(body["category_id"]),
    )
    return {"id": str(row["id"]), "number": row["number"], "status": row["status"]}


@app.get("/bare/tickets")
async def queue(request: Request, community_id: uuid.UUID) -> dict[str, Any]:
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(QUEUE, community_id)
    items = [
        {
            "id": str(r["id"]),
            "number": r["number"],
            "status": r["status"],
            "title": r["title"],
            "created_at": r["created_at"].isoformat(),
        }
        for r in rows[:20]
    ]
    return {"items": items, "next_cursor": None}
