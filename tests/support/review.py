"""Helpers for review-panel tests: members appointed, a round created and opened through the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from app.models.identity import User
from tests.support.factories import auth

API = "/api/v1/review-rounds"


async def appoint(
    client: httpx.AsyncClient,
    staff: User,
    member: User,
    start: date = date(2026, 1, 1),
    end: date = date(2027, 12, 31),
) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/review-panel/members",
        json={"user_id": str(member.id), "term_start": start.isoformat(), "term_end": end.isoformat()},
        headers=auth(staff),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def items(owner: User | None = None) -> list[dict[str, Any]]:
    return [
        {
            "title": "便民理发服务",
            "kind": "service",
            "subject": "便民理发",
            "owner_name": "邻里中心",
            "criteria": ["服务态度", "办事效率"],
        },
        {
            "title": "楼道保洁",
            "kind": "department",
            "owner_user_id": str(owner.id) if owner else None,
            "owner_name": None if owner else "甲物业",
            "criteria": ["保洁质量", "及时性"],
        },
    ]


async def open_round(client: httpx.AsyncClient, staff: User, **body: Any) -> dict[str, Any]:
    payload = {"title": "2026年下半年居民评议会", "period": "2026年下半年", "items": items()} | body
    r = await client.post(API, json=payload, headers=auth(staff))
    assert r.status_code == 201, r.text
    r = await client.post(f"{API}/{r.json()['id']}/open", headers=auth(staff))
    assert r.status_code == 200, r.text
    return dict(r.json())


def criteria(rnd: dict[str, Any]) -> list[list[str]]:
    """Criterion ids per item, in order."""
    return [[c["id"] for c in item["criteria"]] for item in rnd["items"]]


async def score(
    client: httpx.AsyncClient, member: User, round_id: str, pairs: list[tuple[str, int]], comment: str = ""
) -> httpx.Response:
    body = {"scores": [{"criterion_id": c, "score": s, "comment": comment} for c, s in pairs]}
    return await client.post(f"{API}/{round_id}/scores", json=body, headers=auth(member))
