"""补录 (issue #19, point 4): a past activity run on paper is recorded afterwards and credited exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.ledger import Asset, Transfer
from app.models.platform import AuditEntry
from tests.support.factories import World, auth, make_world
from tests.support.ledger import assert_ledger_ok, wallet_balance

A = "/api/v1/activities"


def _sheet(world: World, *, days_ago: int = 3, **over: Any) -> dict[str, Any]:
    start = (clock.now() - timedelta(days=days_ago)).replace(microsecond=0)
    body: dict[str, Any] = {
        "title": "楼道清扫",
        "location": "3 栋",
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=2)).isoformat(),
        "points_reward": 10,
        "source": "纸质签到表 No.17",
        "attendees": [
            {
                "user_id": str(world.resident.id),
                "checked_in_at": start.isoformat(),
                "checked_out_at": (start + timedelta(minutes=90)).isoformat(),
            },
            {
                "user_id": str(world.neighbour.id),
                "checked_in_at": start.isoformat(),
                "checked_out_at": (start + timedelta(hours=3)).isoformat(),  # capped at 120
            },
        ],
    }
    body.update(over)
    return body


async def test_a_past_activity_is_recorded_and_credited_exactly_once(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    r = await client.post(f"{A}/backfill", json=_sheet(world), headers=auth(world.staff))
    assert r.status_code == 201, r.text
    activity = r.json()
    assert activity["status"] == "finished"
    assert activity["attendees"] == 2
    assert activity["backfill_source"] == "纸质签到表 No.17"
    entry = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "activity.backfill"))
    ).scalar_one()
    assert entry.actor_id == world.staff.id
    assert entry.detail["source"] == "纸质签到表 No.17"

    settled = await client.post(f"{A}/{activity['id']}/settle", headers=auth(world.staff))
    assert settled.status_code == 200, settled.text
    assert settled.json()["minutes_credited"] == 90 + 120
    assert await wallet_balance(db, world.resident, Asset.hours) == 90
    assert await wallet_balance(db, world.neighbour, Asset.hours) == 120
    assert await wallet_balance(db, world.resident) == 10

    again = await client.post(f"{A}/{activity['id']}/settle", headers=auth(world.staff))
    assert again.status_code == 409
    assert again.json()["code"] == "already_settled"
    transfers = (
        (await db.execute(select(Transfer).where(Transfer.reference == f"activity:{activity['id']}")))
        .scalars()
        .all()
    )
    assert len(transfers) == 4  # hours and points for each of the two, once
    assert await wallet_balance(db, world.resident, Asset.hours) == 90
    await assert_ledger_ok(db)


async def test_the_same_sheet_submitted_twice_is_refused(client: httpx.AsyncClient, world: World) -> None:
    body = _sheet(world)
    first = await client.post(f"{A}/backfill", json=body, headers=auth(world.staff))
    assert first.status_code == 201, first.text
    second = await client.post(f"{A}/backfill", json=body, headers=auth(world.staff))
    assert second.status_code == 409
    assert second.json()["code"] == "activity_already_recorded"
    assert second.json()["activity_id"] == first.json()["id"]
    # With an Idempotency-Key the retry of a lost answer replays the first one instead.
    keyed = _sheet(world, title="敬老院陪伴")
    headers = auth(world.staff) | {"Idempotency-Key": "sheet-18"}
    one = await client.post(f"{A}/backfill", json=keyed, headers=headers)
    two = await client.post(f"{A}/backfill", json=keyed, headers=headers)
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] == two.json()["id"]


async def test_racing_double_submissions_record_one_activity(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    await live_db.commit()
    body = _sheet(world)
    results = await asyncio.gather(
        *(live_client.post(f"{A}/backfill", json=body, headers=auth(world.staff)) for _ in range(4))
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409], [r.text for r in results]


async def test_backfill_rules(client: httpx.AsyncClient, world: World) -> None:
    too_old = await client.post(f"{A}/backfill", json=_sheet(world, days_ago=400), headers=auth(world.staff))
    assert too_old.status_code == 422
    assert too_old.json()["code"] == "backfill_too_old"
    future = _sheet(world, days_ago=0)
    future["end_at"] = (clock.now() + timedelta(hours=1)).isoformat()
    r = await client.post(f"{A}/backfill", json=future, headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "backfill_not_past"
    outsider = _sheet(world)
    outsider["attendees"][0]["user_id"] = str(world.other_resident.id)
    r = await client.post(f"{A}/backfill", json=outsider, headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "backfill_bad_attendee"
    twice = _sheet(world)
    twice["attendees"][1]["user_id"] = str(world.resident.id)
    r = await client.post(f"{A}/backfill", json=twice, headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "backfill_bad_attendee"
    backwards = _sheet(world)
    backwards["attendees"][0]["checked_out_at"] = (clock.now() - timedelta(days=5)).isoformat()
    r = await client.post(f"{A}/backfill", json=backwards, headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_times"
    hostile = _sheet(world, source="签到\x00表")
    assert (await client.post(f"{A}/backfill", json=hostile, headers=auth(world.staff))).status_code == 422


@pytest.mark.parametrize("who", ["resident", "other_staff"])
async def test_only_the_community_staff_may_backfill(
    client: httpx.AsyncClient, world: World, who: str
) -> None:
    body = _sheet(world, community_id=str(world.community.id))
    r = await client.post(f"{A}/backfill", json=body, headers=auth(getattr(world, who)))
    assert r.status_code == (403 if who == "resident" else 404)
