"""The demo: 桃源社区 has two compounds, four grids and a few dozen buildings with boards."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import demo
from app.models.identity import User
from tests.support.factories import TEST_SETTINGS, auth


async def test_demo_seeds_compounds_grids_buildings_and_boards(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    world = await demo.seed(db, TEST_SETTINGS)
    assert world is not None
    await db.flush()
    staff = auth(world.staff)
    grids = (await client.get("/api/v1/grids", headers=staff)).json()
    assert len(grids) == 4
    buildings = (await client.get("/api/v1/buildings?limit=100", headers=staff)).json()["items"]
    assert {b["compound"] for b in buildings} == {"桃源居", "阳光花园"}
    assert len(buildings) >= 30
    board = (await client.get("/api/v1/me/board", headers=auth(world.residents[0]))).json()
    assert [e["level"] for e in board["entries"]][:1] == ["building"]
    assert {e["level"] for e in board["entries"]} == {"building", "grid", "community"}
    stale = (await client.get("/api/v1/board-entries?stale=true", headers=staff)).json()
    assert [e["name"] for e in stale] == ["旧版水电报修热线"]
    worker = (await db.execute(select(User).where(User.username == "grid"))).scalar_one()
    r = await client.get(f"/api/v1/grids/{grids[0]['id']}/posters.pdf", headers=staff)
    assert r.status_code == 200
    assert worker.name == "林晓"
