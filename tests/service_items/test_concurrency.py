"""The walk-in queue under concurrency: real commits on separate connections."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import auth, make_user, make_world
from tests.support.service_items import API, make_office_hours, shanghai


async def test_thirty_parallel_takes_give_thirty_distinct_consecutive_numbers(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    oh = await make_office_hours(live_db, world)
    people = [await make_user(live_db, community=world.community) for _ in range(30)]
    await live_db.commit()
    clock.freeze(shanghai(2026, 6, 2))
    answers = await asyncio.gather(
        *[live_client.post(f"{API}/office-hours/{oh.id}/queue", headers=auth(p)) for p in people]
    )
    assert [r.status_code for r in answers] == [201] * 30, [r.text for r in answers if r.status_code != 201]
    assert sorted(r.json()["number"] for r in answers) == list(range(1, 31))


async def test_parallel_call_next_never_skips_or_repeats_a_number(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    official = await make_user(live_db, name="李律师", community=world.community)
    oh = await make_office_hours(live_db, world, official)
    people = [await make_user(live_db, community=world.community) for _ in range(10)]
    await live_db.commit()
    clock.freeze(shanghai(2026, 6, 2))
    for p in people:
        assert (
            await live_client.post(f"{API}/office-hours/{oh.id}/queue", headers=auth(p))
        ).status_code == 201
    calls = await asyncio.gather(
        *[
            live_client.post(f"{API}/office-hours/{oh.id}/call-next", headers=auth(official))
            for _ in range(12)
        ]
    )
    called = sorted(r.json()["number"] for r in calls if r.status_code == 200)
    assert called == list(range(1, 11))
    assert [r.json()["code"] for r in calls if r.status_code != 200] == ["queue_empty"] * 2
