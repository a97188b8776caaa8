"""The `acting_community` rule, through every endpoint that creates a community's record.

Explicit `community_id` outside the caller's scope → 404 `community_not_found`; absent → the caller's own
community; an admin whose scope holds several communities → 422 `community_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.core import clock
from tests.support.factories import World, auth
from tests.support.projects import call_body

API = "/api/v1"


def _activity() -> dict[str, Any]:
    start = clock.now() + timedelta(days=1)
    return {
        "title": "敬老院陪伴",
        "location": "桃源敬老院",
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=2)).isoformat(),
        "capacity": 5,
        "points_reward": 30,
    }


def _meeting() -> dict[str, Any]:
    start = clock.now() + timedelta(days=1)
    return {
        "title": "喝茶议事会",
        "place": "社区茶馆",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "seats": 10,
        "quorum": 3,
    }


def _past_activity() -> dict[str, Any]:
    start = clock.now() - timedelta(days=2)
    return _activity() | {
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=2)).isoformat(),
        "source": "签到表 2026-12-05",
    }


# Each creating domain: its endpoint and a valid body (without community_id).
CREATORS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "tickets": (
        "/ticket-categories",
        lambda: {"name": "紧急维修", "accept_within_hours": 2, "resolve_within_hours": 24},
    ),
    "bookings": (
        "/services",
        lambda: {
            "name": "便民理发",
            "category": "生活服务",
            "provider_kind": "social_org",
            "provider_name": "邻里志愿服务队",
            "location": "邻里中心一楼",
        },
    ),
    "merchants": ("/merchants", lambda: {"name": "社区便利店"}),
    "volunteering": ("/activities", _activity),
    "volunteering-backfill": ("/activities/backfill", _past_activity),
    "consultation": ("/decisions", lambda: {"title": "加装电梯资金使用方案"}),
    "projects.calls": ("/project-calls", call_body),
    "projects.organisations": (
        "/organisations",
        lambda: {"name": "绿叶舟志愿服务队", "kind": "volunteer_team"},
    ),
    "consultation meetings": ("/meetings", _meeting),
}


@pytest.mark.parametrize("domain", sorted(CREATORS))
async def test_acting_community_rule(domain: str, client: httpx.AsyncClient, world: World) -> None:
    path, body = CREATORS[domain]
    url = API + path
    # Absent: staff act for their own community.
    r = await client.post(url, json=body(), headers=auth(world.staff))
    assert r.status_code == 201, r.text
    assert r.json()["community_id"] == str(world.community.id)
    # Explicit but outside the caller's scope: 404, as if it did not exist.
    r = await client.post(
        url, json=body() | {"community_id": str(world.other_community.id)}, headers=auth(world.staff)
    )
    assert r.status_code == 404, r.text
    assert r.json()["code"] == "community_not_found"
    # An admin over two communities must say which.
    r = await client.post(url, json=body(), headers=auth(world.admin))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "community_required"
    r = await client.post(
        url, json=body() | {"community_id": str(world.other_community.id)}, headers=auth(world.admin)
    )
    assert r.status_code == 201, r.text
    assert r.json()["community_id"] == str(world.other_community.id)
