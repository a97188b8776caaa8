"""Scores racing the close: none lands after the results are computed (real commits)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.review import ReviewItem, ReviewScore
from tests.support.factories import auth, make_user, make_world
from tests.support.review import API, appoint, criteria, open_round, score


async def test_scores_racing_the_close_are_all_counted_or_refused(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    members = [await make_user(live_db, community=world.community) for _ in range(12)]
    await live_db.commit()
    for m in members:
        await appoint(live_client, world.staff, m)
    rnd = await open_round(live_client, world.staff)
    (c1, c2), _ = criteria(rnd)
    tasks = [score(live_client, m, rnd["id"], [(c1, 2), (c2, 2)]) for m in members]
    tasks.insert(6, live_client.post(f"{API}/{rnd['id']}/close", headers=auth(world.staff)))
    answers = await asyncio.gather(*tasks)
    assert answers[6].status_code == 200, answers[6].text
    scored = [r for i, r in enumerate(answers) if i != 6]
    assert {r.status_code for r in scored} <= {200, 409}
    accepted = sum(r.status_code == 200 for r in scored)
    stored = await live_db.scalar(
        select(func.count()).select_from(ReviewScore).where(ReviewScore.round_id == rnd["id"])
    )
    item = (
        await live_db.execute(select(ReviewItem).where(ReviewItem.id == rnd["items"][0]["id"]))
    ).scalar_one()
    assert stored == 2 * accepted
    assert item.result_count == stored  # every stored score was counted: none landed after the close
