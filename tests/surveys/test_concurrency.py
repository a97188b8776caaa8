"""One response per person and per household under 20 parallel submits (real commits)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.surveys import SurveyParticipation, SurveyResponse
from tests.support.factories import make_user, make_world
from tests.support.grid import make_address, make_building
from tests.support.surveys import answer, published_survey


async def _counts(db: AsyncSession, survey_id: str) -> tuple[int, int]:
    responses = await db.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
    )
    participations = await db.scalar(
        select(func.count())
        .select_from(SurveyParticipation)
        .where(SurveyParticipation.survey_id == survey_id)
    )
    return int(responses or 0), int(participations or 0)


async def test_twenty_parallel_submits_by_one_resident_store_one_response(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await live_db.commit()
    for anonymous in (False, True):
        s = await published_survey(live_client, world.staff, anonymous=anonymous)
        answers = await asyncio.gather(*[answer(live_client, world.resident, s["id"]) for _ in range(20)])
        codes = sorted(r.status_code for r in answers)
        assert codes == [201] + [409] * 19, [r.text for r in answers if r.status_code not in (201, 409)]
        assert {r.json()["code"] for r in answers if r.status_code == 409} == {"already_answered"}
        assert await _counts(live_db, s["id"]) == (1, 1)


async def test_twenty_parallel_submits_by_one_household_store_one_response(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    building = await make_building(live_db, world.grid, name="8栋")
    family = [await make_user(live_db, community=world.community) for _ in range(20)]
    for member in family:
        await make_address(live_db, member, building, unit="2单元", room="1203")
    await live_db.commit()
    s = await published_survey(live_client, world.staff, one_per="household")
    answers = await asyncio.gather(*[answer(live_client, member, s["id"]) for member in family])
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 19, [r.text for r in answers if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"household_already_answered"}
    assert await _counts(live_db, s["id"]) == (1, 1)
