"""Capacity and settlement under real concurrent requests (committed; tables truncated around each test)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.ledger import Asset, Transfer
from app.models.volunteering import ActivityStatus, Signup
from tests.support.factories import auth, make_user, make_world
from tests.support.ledger import assert_ledger_ok, wallet_balance
from tests.support.volunteering import make_activity, make_signup

A = "/api/v1/activities"


async def test_thirty_parallel_sign_ups_for_ten_places_confirm_ten(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    activity = await make_activity(live_db, world.community, world.staff, capacity=10)
    people = [await make_user(live_db, community=world.community) for _ in range(30)]
    await live_db.commit()
    responses = await asyncio.gather(
        *[live_client.post(f"{A}/{activity.id}/signups", headers=auth(p)) for p in people]
    )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10, codes
    assert codes.count(409) == 20
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"activity_full"}
    count = (
        await live_db.execute(select(func.count()).where(Signup.activity_id == activity.id))
    ).scalar_one()
    assert count == 10
    detail = (await live_client.get(f"{A}/{activity.id}", headers=auth(world.staff))).json()
    assert detail["signed_up"] == 10
    assert detail["remaining"] == 0


async def test_two_parallel_settlements_credit_once(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    activity = await make_activity(
        live_db, world.community, world.staff, starts_in=timedelta(hours=-2), status=ActivityStatus.finished
    )
    for person in (world.resident, world.neighbour):
        signup = await make_signup(live_db, activity, person)
        signup.checked_in_at = activity.start_at
        signup.checked_out_at = activity.end_at
    await live_db.commit()
    assert activity.end_at < clock.now()
    headers = auth(world.staff)
    first, second = await asyncio.gather(
        live_client.post(f"{A}/{activity.id}/settle", headers=headers),
        live_client.post(f"{A}/{activity.id}/settle", headers=headers),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    assert await wallet_balance(live_db, world.resident, Asset.hours) == 60
    assert await wallet_balance(live_db, world.neighbour, Asset.points) == 20
    transfers = (await live_db.execute(select(func.count()).select_from(Transfer))).scalar_one()
    assert transfers == 4
    await assert_ledger_ok(live_db)
