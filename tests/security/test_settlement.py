"""Issue #18 point 6: one volunteer who cannot be credited does not block everyone else's credit."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.ledger import Asset
from app.models.volunteering import ActivityStatus, Signup
from tests.support.factories import World, auth
from tests.support.ledger import assert_ledger_ok, wallet_balance
from tests.support.volunteering import make_activity, make_signup

API = "/api/v1"
A = f"{API}/activities"


async def test_a_volunteer_who_moved_community_does_not_block_the_others(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    activity = await make_activity(
        db, world.community, world.staff, starts_in=timedelta(hours=-2), status=ActivityStatus.finished
    )
    for person in (world.resident, world.neighbour):
        signup = await make_signup(db, activity, person)
        signup.checked_in_at = activity.start_at
        signup.checked_out_at = activity.end_at
    await db.flush()
    # The neighbour's empty wallet exists, then they move to the other community: it goes along.
    assert (await client.get(f"{API}/wallet", headers=auth(world.neighbour))).status_code == 200
    moved = await client.patch(
        f"{API}/me", json={"community_id": str(world.other_community.id)}, headers=auth(world.neighbour)
    )
    assert moved.status_code == 200
    await client.get(f"{API}/wallet", headers=auth(world.neighbour))

    r = await client.post(f"{A}/{activity.id}/settle", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "settled"
    assert [c["user_id"] for c in body["credits"]] == [str(world.resident.id)]
    [problem] = body["exceptions"]
    assert problem["user_id"] == str(world.neighbour.id)
    assert problem["code"] == "cross_community"
    assert problem["minutes"] == 60
    assert await wallet_balance(db, world.resident, Asset.hours) == 60
    assert await wallet_balance(db, world.neighbour, Asset.hours) == 0
    await assert_ledger_ok(db)

    # They move back; settling again credits only the one left out, once.
    await client.patch(
        f"{API}/me", json={"community_id": str(world.community.id)}, headers=auth(world.neighbour)
    )
    retry = await client.post(f"{A}/{activity.id}/settle", headers=auth(world.staff))
    assert retry.status_code == 200, retry.text
    assert [c["user_id"] for c in retry.json()["credits"]] == [str(world.neighbour.id)]
    assert retry.json()["exceptions"] == []
    assert await wallet_balance(db, world.neighbour, Asset.hours) == 60
    assert await wallet_balance(db, world.resident, Asset.hours) == 60
    again = await client.post(f"{A}/{activity.id}/settle", headers=auth(world.staff))
    assert again.json()["code"] == "already_settled"
    credited = (
        await db.execute(select(Signup.credited_minutes).where(Signup.activity_id == activity.id))
    ).scalars()
    assert sorted(credited) == [60, 60]
    await assert_ledger_ok(db)
