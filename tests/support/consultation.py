"""Helpers for consultation tests: decisions driven through the API, Shanghai times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from app.core import clock
from app.models.identity import User
from tests.support.factories import auth

API = "/api/v1"
BODIES = {1: "社区党委", 2: "两委联席会议", 3: "社区党员大会", 4: "居民代表会议"}


def shanghai(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime.combine(date(year, month, day), time(hour), tzinfo=clock.SHANGHAI).astimezone(UTC)


def step_body(step: int, outcome: str = "passed", **extra: Any) -> dict[str, Any]:
    return {
        "step": step,
        "body": BODIES[step],
        "held_on": clock.today().isoformat(),
        "members": 30,
        "attendance": 25,
        "quorum": 16,
        "outcome": outcome,
    } | extra


async def new_decision(
    client: httpx.AsyncClient, staff: User, title: str = "加装电梯资金使用方案"
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/decisions", json={"title": title, "content": "3栋加装电梯，维修基金列支"}, headers=auth(staff)
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def step(
    client: httpx.AsyncClient, staff: User, decision_id: str, n: int, outcome: str = "passed", **extra: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/decisions/{decision_id}/steps", json=step_body(n, outcome, **extra), headers=auth(staff)
    )


async def resolved_decision(client: httpx.AsyncClient, staff: User) -> dict[str, Any]:
    d = await new_decision(client, staff)
    for n in (1, 2, 3, 4):
        r = await step(client, staff, d["id"], n)
        assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def published_decision(client: httpx.AsyncClient, staff: User, **publish: Any) -> dict[str, Any]:
    d = await resolved_decision(client, staff)
    r = await client.post(f"{API}/decisions/{d['id']}/publish", json=publish, headers=auth(staff))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


# ---------------------------------------------------------------- proposals


async def new_proposal(
    client: httpx.AsyncClient, author: User, title: str = "小区东门增设非机动车充电桩", **extra: Any
) -> dict[str, Any]:
    body = {"title": title, "description": "电动车在楼道充电有火灾隐患，建议在东门增设充电桩。"} | extra
    r = await client.post(f"{API}/proposals", json=body, headers=auth(author))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def triage(
    client: httpx.AsyncClient,
    staff: User,
    proposal_id: str,
    action: str,
    answer: str = "感谢建议",
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"{API}/proposals/{proposal_id}/triage",
        json={"action": action, "answer": answer} | extra,
        headers=auth(staff),
    )


# ---------------------------------------------------------------- meetings


def meeting_body(**extra: Any) -> dict[str, Any]:
    start = clock.now().replace(microsecond=0) + timedelta(days=2)
    return {
        "title": "十二月喝茶议事会",
        "place": "社区茶馆",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "parties": ["resident_reps", "property", "owners_committee"],
        "seats": 10,
        "quorum": 2,
    } | extra


async def new_meeting(client: httpx.AsyncClient, staff: User, **extra: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/meetings", json=meeting_body(**extra), headers=auth(staff))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def accepted_proposal(
    client: httpx.AsyncClient, author: User, staff: User, title: str
) -> dict[str, Any]:
    p = await new_proposal(client, author, title)
    r = await triage(client, staff, p["id"], "accept", "列入议题")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]
