"""The demo: 桃源社区 has proposals in several states, a past meeting with minutes and an upcoming one,
and 四议两公开 decisions at three stages (one in publication)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import demo
from tests.support.factories import TEST_SETTINGS, auth

API = "/api/v1"


async def test_demo_seeds_proposals_and_decisions(client: httpx.AsyncClient, db: AsyncSession) -> None:
    world = await demo.seed(db, TEST_SETTINGS)
    assert world is not None
    await db.flush()
    resident = auth(world.residents[0])
    items = (await client.get(f"{API}/proposals?limit=100", headers=resident)).json()["items"]
    assert {p["status"] for p in items} == {"open", "accepted", "declined", "ticketed", "discussed"}
    open_one = next(p for p in items if p["status"] == "open")
    assert open_one["support_count"] == 1
    ticketed = next(p for p in items if p["status"] == "ticketed")
    detail = (await client.get(f"{API}/proposals/{ticketed['id']}", headers=resident)).json()
    assert detail["ticket_number"]
    assert detail["answer"]
    decisions = (await client.get(f"{API}/decisions", headers=auth(world.staff))).json()["items"]
    assert {d["status"] for d in decisions} == {"publishing", "result_published", "deliberating"}
    listed = (await client.get(f"{API}/meetings", headers=resident)).json()["items"]
    assert [m["status"] for m in listed] == ["planned", "closed"]
    past = (await client.get(f"{API}/meetings/{listed[1]['id']}", headers=resident)).json()
    assert past["quorum_met"] is True
    assert past["attendance_at_close"] == 5
    assert all(t["summary"] and t["outcome"] == "adopted" for t in past["topics"])
    assert past["topics"][0]["votes_for"] == 4
    discussed = next(p for p in items if p["status"] == "discussed")
    assert (await client.get(f"{API}/proposals/{discussed['id']}", headers=resident)).json()[
        "outcome"
    ] == "adopted"
    r = await client.post(f"{API}/meetings/{listed[0]['id']}/registrations", headers=resident)
    assert r.status_code == 201
    # 大冲社区's resident sees none of it.
    outsider = auth(world.residents[2])
    assert (await client.get(f"{API}/proposals", headers=outsider)).json()["items"] == []
    r = await client.get(f"{API}/proposals/{ticketed['id']}", headers=outsider)
    assert r.status_code == 404
    assert (await client.get(f"{API}/meetings", headers=outsider)).json()["items"] == []
