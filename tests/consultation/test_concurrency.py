"""Consultation under concurrency: real commits on separate connections."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.consultation import DecisionStepRecord
from tests.support.consultation import new_decision, step
from tests.support.factories import make_world


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
