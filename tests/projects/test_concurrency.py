"""Community projects under concurrency: real commits on separate connections."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.projects import Ballot, Vote
from tests.support.factories import auth, make_user, make_world
from tests.support.projects import API, eligible, funded_project, new_application, new_call, voting_call_body


async def test_one_ballot_per_resident_under_twenty_parallel_votes(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    voters = [await make_user(live_db, community=world.community) for _ in range(5)]
    await live_db.commit()
    call = await new_call(live_client, world.staff, **voting_call_body())
    apps = [await new_application(live_client, call["id"], who) for who in (world.resident, world.neighbour)]
    for a in apps:
        await eligible(live_client, world.staff, a["id"])
    clock.freeze(clock.now() + timedelta(days=12))
    url = f"{API}/project-calls/{call['id']}/votes"
    body = {"application_ids": [a["id"] for a in apps]}
    # One resident sends the same ballot twenty times at once: one is counted.
    answers = await asyncio.gather(
        *[live_client.post(url, json=body, headers=auth(voters[0])) for _ in range(20)]
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 19, [r.text for r in answers if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"already_voted"}
    # Twenty requests from four other residents at once: each is counted once.
    answers = await asyncio.gather(
        *[live_client.post(url, json=body, headers=auth(voters[1 + i % 4])) for i in range(20)]
    )
    assert sorted(r.status_code for r in answers) == [201] * 4 + [409] * 16
    ballots = (await live_db.execute(select(func.count()).select_from(Ballot))).scalar_one()
    votes = (await live_db.execute(select(func.count()).select_from(Vote))).scalar_one()
    assert (ballots, votes) == (5, 10)


async def test_parallel_expenses_cannot_overspend_a_line(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await live_db.commit()
    p = await funded_project(
        live_client,
        world.staff,
        world.resident,
        budget_lines=[{"item": "物料", "quantity": 10, "unit_price_fen": 10_000}],  # 1,000.00 yuan
    )
    line = p["budget_lines"][0]["id"]
    body = {"line_id": line, "amount_fen": 15_000, "spent_on": clock.today().isoformat()}
    answers = await asyncio.gather(
        *[
            live_client.post(f"{API}/projects/{p['id']}/spending", json=body, headers=auth(world.resident))
            for _ in range(20)
        ]
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 6 + [409] * 14, [r.text for r in answers if r.status_code not in (201, 409)]
    page = (await live_client.get(f"{API}/projects/{p['id']}", headers=auth(world.staff))).json()
    assert (page["spent_fen"], page["budget_lines"][0]["spent_fen"]) == (90_000, 90_000)
