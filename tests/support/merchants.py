"""Builders for the merchants domain: offers, codes, and shorthand for the HTTP calls tests repeat."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import User
from app.models.merchants import Merchant, Offer
from tests.support.factories import auth

_seq = itertools.count(1)


async def make_offer(
    db: AsyncSession,
    merchant: Merchant,
    *,
    name: str | None = None,
    points: int = 100,
    stock: int | None = None,
    per_resident_limit: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    active: bool = True,
) -> Offer:
    offer = Offer(
        merchant_id=merchant.id,
        name=name or f"兑换品{next(_seq)}",
        points=points,
        stock=stock,
        per_resident_limit=per_resident_limit,
        valid_from=valid_from,
        valid_until=valid_until,
        active=active,
    )
    db.add(offer)
    await db.flush()
    return offer


async def code_for(client: httpx.AsyncClient, resident: User) -> str:
    """Ask for a redemption code as `resident` (through the API) and return its digits."""
    r = await client.post("/api/v1/redemption-codes", headers=auth(resident))
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def redeem(
    client: httpx.AsyncClient,
    staff: User,
    code: str,
    *,
    points: int | None = None,
    offer: Offer | None = None,
    idempotency_key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"code": code, **extra}
    if points is not None:
        body["points"] = points
    if offer is not None:
        body["offer_id"] = str(offer.id)
    headers = {**auth(staff), "Idempotency-Key": idempotency_key or uuid.uuid4().hex}
    return await client.post("/api/v1/redemptions", json=body, headers=headers)


async def redeemed(
    client: httpx.AsyncClient, staff: User, resident: User, points: int = 100, **kw: Any
) -> str:
    """Redeem `points` from `resident` at `staff`'s till through the API; returns the redemption id."""
    r = await redeem(client, staff, await code_for(client, resident), points=points, **kw)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def refund(
    client: httpx.AsyncClient,
    actor: User,
    redemption_id: str,
    *,
    points: int | None = None,
    reason: str = "退货",
) -> httpx.Response:
    body: dict[str, Any] = {"reason": reason}
    if points is not None:
        body["points"] = points
    return await client.post(
        f"/api/v1/redemptions/{redemption_id}/refund",
        json=body,
        headers={**auth(actor), "Idempotency-Key": uuid.uuid4().hex},
    )
