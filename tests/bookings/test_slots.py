"""Slots: one by one or from a weekly schedule, skipping public holidays; close and cancel."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.notifications import Notification
from tests.support.bookings import BOOKINGS, SERVICES, at, local, make_service, make_slot
from tests.support.factories import World, auth

SCHEDULE = {
    "from_date": "2026-09-28",
    "to_date": "2026-10-11",
    "weekly": [
        {"weekday": 1, "start": "09:00", "end": "10:00", "capacity": 3},
        {"weekday": 4, "start": "09:00", "end": "10:00", "capacity": 3},
    ],
}


async def test_weekly_schedule_skips_public_holidays(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community)
    r = await client.post(
        f"{SERVICES}/{service.id}/slots", json={"schedule": SCHEDULE}, headers=auth(world.staff)
    )
    assert r.status_code == 201, r.text
    body = r.json()
    # Mondays 9/28 and 10/5, Thursdays 10/1 and 10/8: National Day takes 10/1 and 10/5.
    assert sorted(body["skipped_holidays"]) == ["2026-10-01", "2026-10-05"]
    starts = sorted(s["start_at"] for s in body["items"])
    assert [datetime.fromisoformat(s) for s in starts] == [
        local(2026, 9, 28, 9).astimezone(UTC),
        local(2026, 10, 8, 9).astimezone(UTC),
    ]
    assert all(s["capacity"] == 3 and s["remaining"] == 3 for s in body["items"])
    # 09:00 in Shanghai is stored as 01:00 UTC.
    assert starts[0].startswith("2026-09-28T01:00:00")


async def test_schedule_can_include_holidays_and_is_idempotent(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community)
    url = f"{SERVICES}/{service.id}/slots"
    body = {"schedule": {**SCHEDULE, "skip_holidays": False}}
    first = (await client.post(url, json=body, headers=auth(world.staff))).json()
    assert len(first["items"]) == 4
    assert first["skipped_holidays"] == []
    again = (await client.post(url, json=body, headers=auth(world.staff))).json()
    assert again["items"] == []
    assert again["skipped_existing"] == 4


async def test_single_slots_take_local_times(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community)
    r = await client.post(
        f"{SERVICES}/{service.id}/slots",
        json={"slots": [{"start_at": "2026-09-30T14:00:00", "end_at": "2026-09-30T15:00:00", "capacity": 4}]},
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    assert r.json()["items"][0]["start_at"].startswith("2026-09-30T06:00:00")


async def test_bad_slots_are_422(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    service = await make_service(db, world.community)
    url = f"{SERVICES}/{service.id}/slots"
    bad = [
        {},
        {"slots": [{"start_at": "2026-09-30T14:00:00", "end_at": "2026-09-30T13:00:00", "capacity": 4}]},
        {"slots": [{"start_at": "2026-09-30T14:00:00", "end_at": "2026-09-30T15:00:00", "capacity": 0}]},
        {"schedule": {**SCHEDULE, "to_date": "2026-09-01"}},
        {"schedule": {**SCHEDULE, "to_date": "2027-09-01"}},
        {
            "schedule": {
                **SCHEDULE,
                "weekly": [{"weekday": 8, "start": "09:00", "end": "10:00", "capacity": 1}],
            }
        },
    ]
    for body in bad:
        r = await client.post(url, json=body, headers=auth(world.staff))
        assert r.status_code == 422, (body, r.text)


async def test_only_the_communitys_staff_create_slots(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community)
    url = f"{SERVICES}/{service.id}/slots"
    assert (
        await client.post(url, json={"schedule": SCHEDULE}, headers=auth(world.resident))
    ).status_code == 403
    assert (
        await client.post(url, json={"schedule": SCHEDULE}, headers=auth(world.other_staff))
    ).status_code == 404


async def test_list_slots_shows_remaining(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9), capacity=2)
    await make_slot(db, service, at(10, 9), capacity=2)  # outside the range, inside the default
    r = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    assert r.status_code == 201, r.text
    listed = await client.get(
        f"{SERVICES}/{service.id}/slots",
        params={"from": at(0).isoformat(), "to": at(7).isoformat()},
        headers=auth(world.neighbour),
    )
    assert listed.status_code == 200, listed.text
    assert [(s["id"], s["capacity"], s["remaining"]) for s in listed.json()] == [(str(slot.id), 2, 1)]
    default = await client.get(f"{SERVICES}/{service.id}/slots", headers=auth(world.neighbour))
    assert len(default.json()) == 2


async def test_closed_slot_takes_no_bookings(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    r = await client.post(f"/api/v1/slots/{slot.id}/close", headers=auth(world.staff))
    assert r.status_code == 200
    assert r.json()["status"] == "closed"
    assert r.json()["remaining"] == 0
    booked = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    assert booked.status_code == 409
    assert booked.json()["code"] == "slot_not_open"
    again = await client.post(f"/api/v1/slots/{slot.id}/close", headers=auth(world.staff))
    assert again.json()["code"] == "invalid_transition"


async def test_cancelling_a_slot_cancels_and_tells_everyone(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9), capacity=1)
    first = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    second = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.neighbour))
    assert (first.json()["status"], second.json()["status"]) == ("confirmed", "waitlisted")

    assert (
        await client.post(
            f"/api/v1/slots/{slot.id}/cancel", json={"reason": "停电"}, headers=auth(world.other_staff)
        )
    ).status_code == 404
    r = await client.post(
        f"/api/v1/slots/{slot.id}/cancel", json={"reason": "停电"}, headers=auth(world.staff)
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    for booking, user in ((first, world.resident), (second, world.neighbour)):
        got = (await client.get(f"{BOOKINGS}/{booking.json()['id']}", headers=auth(user))).json()
        assert got["status"] == "cancelled"
        assert got["cancel_reason"] == "时段取消：停电"
        assert got["cancelled_by"] == str(world.staff.id)
        kinds = (
            (await db.execute(select(Notification.kind).where(Notification.user_id == user.id)))
            .scalars()
            .all()
        )
        assert "booking.cancelled" in kinds
    hidden = await client.get(
        f"{SERVICES}/{service.id}/slots",
        params={"from": at(0).isoformat()},
        headers=auth(world.resident),
    )
    assert hidden.json() == []
