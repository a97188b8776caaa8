"""Consultation under concurrency: real commits on separate connections."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.consultation import DecisionStepRecord, Proposal, ProposalSupport
from app.models.consultation_meetings import Meeting, MeetingRegistration
from tests.support.consultation import API, new_decision, new_meeting, new_proposal, step
from tests.support.factories import auth, make_user, make_world


async def test_parallel_recordings_of_one_step_pass_it_exactly_once(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await live_db.commit()
    d = await new_decision(live_client, world.staff)
    answers = await asyncio.gather(*[step(live_client, world.staff, d["id"], 1) for _ in range(10)])
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 9, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"step_already_passed"}
    recorded = (
        await live_db.execute(select(func.count()).where(DecisionStepRecord.decision_id == d["id"]))
    ).scalar_one()
    assert recorded == 1
    # The next step, raced the same way, also passes once, and the step after it is not skipped to.
    answers = await asyncio.gather(*[step(live_client, world.staff, d["id"], n) for n in (2, 2, 2, 3, 3, 3)])
    ok = [r for r in answers if r.status_code == 200]
    assert len(ok) in (1, 2)
    assert sorted(s["step"] for s in ok[-1].json()["steps"]) == list(range(1, len(ok) + 2))


async def test_twenty_parallel_supports_by_one_resident_count_once(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await live_db.commit()
    p = await new_proposal(live_client, world.resident)
    url = f"{API}/proposals/{p['id']}/support"
    answers = await asyncio.gather(*[live_client.post(url, headers=auth(world.neighbour)) for _ in range(20)])
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * 19, [r.text for r in answers if r.status_code not in (200, 409)]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"already_supported"}
    rows = (
        await live_db.execute(select(func.count()).where(ProposalSupport.proposal_id == p["id"]))
    ).scalar_one()
    assert rows == 1
    assert (await live_db.get(Proposal, p["id"])).support_count == 1  # type: ignore[union-attr]


async def test_twenty_neighbours_supporting_at_once_are_all_counted(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    neighbours = [await make_user(live_db, community=world.community) for _ in range(20)]
    await live_db.commit()
    p = await new_proposal(live_client, world.resident)
    url = f"{API}/proposals/{p['id']}/support"
    answers = await asyncio.gather(*[live_client.post(url, headers=auth(n)) for n in neighbours])
    assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers]
    # Half withdraw at once, the other half try to support again: the count still equals the rows.
    again = await asyncio.gather(
        *[live_client.delete(url, headers=auth(n)) for n in neighbours[:10]],
        *[live_client.post(url, headers=auth(n)) for n in neighbours[10:]],
    )
    assert sorted(r.status_code for r in again) == [200] * 10 + [409] * 10
    rows = (
        await live_db.execute(select(func.count()).where(ProposalSupport.proposal_id == p["id"]))
    ).scalar_one()
    proposal = await live_db.get(Proposal, p["id"])
    assert proposal is not None
    assert rows == proposal.support_count == 10


async def test_twenty_residents_racing_for_five_seats_get_exactly_five(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    residents = [await make_user(live_db, community=world.community) for _ in range(20)]
    await live_db.commit()
    m = await new_meeting(live_client, world.staff, seats=5)
    url = f"{API}/meetings/{m['id']}/registrations"
    answers = await asyncio.gather(*[live_client.post(url, headers=auth(r)) for r in residents])
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 5 + [409] * 15, [r.text for r in answers if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"meeting_full"}
    # One resident racing themselves holds one seat at most.
    again = await asyncio.gather(*[live_client.post(url, headers=auth(residents[0])) for _ in range(5)])
    assert all(r.status_code == 409 for r in again)
    rows = (
        await live_db.execute(select(func.count()).where(MeetingRegistration.meeting_id == m["id"]))
    ).scalar_one()
    meeting = await live_db.get(Meeting, m["id"])
    assert meeting is not None
    assert rows == meeting.seats_taken == 5
