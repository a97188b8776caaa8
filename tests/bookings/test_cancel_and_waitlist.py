"""Cancelling frees the place and promotes the first waiter, in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.notifications import Notification
from tests.support.bookings import BOOKINGS, SERVICES, at, make_service, make_slot
from tests.support.factories import World, auth, make_user


async def _book(client: httpx.AsyncClient, user, slot):  # type: ignore[no-untyped-def]
    r = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


async def _get(client: httpx.AsyncClient, user, booking):  # type: ignore[no-untyped-def]
    return (await client.get(f"{BOOKINGS}/{booking['id']}", headers=auth(user))).json()


async def test_two_cancellations_promote_two_waiters_in_order(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(2, 9), capacity=2)
    people = [world.resident, world.neighbour] + [
        await make_user(db, community=world.community) for _ in range(3)
    ]
    bookings = [await _book(client, p, slot) for p in people]
    assert [b["status"] for b in bookings] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
        "waitlisted",
    ]
    assert [b["waitlist_position"] for b in bookings[2:]] == [1, 2, 3]

    r = await client.post(
        f"{BOOKINGS}/{bookings[0]['id']}/cancel", json={"reason": "临时有事"}, headers=auth(people[0])
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert (await _get(client, people[2], bookings[2]))["status"] == "confirmed"
    assert (await _get(client, people[3], bookings[3]))["waitlist_position"] == 1
    assert (await _get(client, people[4], bookings[4]))["waitlist_position"] == 2

    await client.post(f"{BOOKINGS}/{bookings[1]['id']}/cancel", headers=auth(people[1]))
    assert (await _get(client, people[3], bookings[3]))["status"] == "confirmed"
    assert (await _get(client, people[4], bookings[4]))["waitlist_position"] == 1

    promoted = (
        await db.execute(select(Notification.user_id).where(Notification.kind == "booking.promoted"))
    ).scalars()
    assert sorted(promoted) == sorted([people[2].id, people[3].id])
    slots = await client.get(
        f"{SERVICES}/{service.id}/slots", params={"from": at(0).isoformat()}, headers=auth(world.resident)
    )
    assert (slots.json()[0]["remaining"], slots.json()[0]["waitlisted"]) == (0, 1)


async def test_leaving_the_waitlist_closes_the_gap(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(2, 9), capacity=1)
    people = [await make_user(db, community=world.community) for _ in range(4)]
    bookings = [await _book(client, p, slot) for p in people]
    await client.post(f"{BOOKINGS}/{bookings[1]['id']}/cancel", headers=auth(people[1]))
    assert (await _get(client, people[2], bookings[2]))["waitlist_position"] == 1
    assert (await _get(client, people[3], bookings[3]))["waitlist_position"] == 2
    assert (await _get(client, people[0], bookings[0]))["status"] == "confirmed"


async def test_cancelled_booking_keeps_reason_and_actor(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(2, 9))
    booking = await _book(client, world.resident, slot)
    r = await client.post(
        f"{BOOKINGS}/{booking['id']}/cancel", json={"reason": "身体不适"}, headers=auth(world.resident)
    )
    body = r.json()
    assert (body["cancel_reason"], body["cancelled_by"]) == ("身体不适", str(world.resident.id))
    assert body["cancelled_at"] is not None
    listed = await client.get(BOOKINGS, params={"status": "cancelled"}, headers=auth(world.resident))
    assert [b["id"] for b in listed.json()["items"]] == [booking["id"]]
    again = await client.post(f"{BOOKINGS}/{booking['id']}/cancel", headers=auth(world.resident))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    # Cancelled, the slot can be booked again.
    assert (
        await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
    ).status_code == 201


async def test_owner_cannot_cancel_after_the_cutoff_but_staff_can(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, cancel_before_minutes=120)
    slot = await make_slot(db, service, at(2, 9), capacity=1)
    booking = await _book(client, world.resident, slot)
    waiter = await _book(client, world.neighbour, slot)
    clock.freeze(at(2, 9) - timedelta(minutes=119))
    late = await client.post(f"{BOOKINGS}/{booking['id']}/cancel", headers=auth(world.resident))
    assert late.status_code == 409
    assert late.json()["code"] == "cancel_too_late"
    # Leaving the waitlist has no cut-off.
    left = await client.post(f"{BOOKINGS}/{waiter['id']}/cancel", headers=auth(world.neighbour))
    assert left.status_code == 200
    by_staff = await client.post(
        f"{BOOKINGS}/{booking['id']}/cancel", json={"reason": "电话取消"}, headers=auth(world.staff)
    )
    assert by_staff.status_code == 200
    assert by_staff.json()["cancelled_by"] == str(world.staff.id)
    told = (
        await db.execute(
            select(Notification).where(
                Notification.user_id == world.resident.id, Notification.kind == "booking.cancelled"
            )
        )
    ).scalar_one()
    assert "电话取消" in told.body


async def test_others_cannot_cancel_a_booking(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(2, 9))
    booking = await _book(client, world.resident, slot)
    for user in (world.neighbour, world.other_staff):
        r = await client.post(f"{BOOKINGS}/{booking['id']}/cancel", headers=auth(user))
        assert r.status_code == 404


async def test_promotion_into_an_approval_service_waits_for_approval(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, approval_required=True)
    slot = await make_slot(db, service, at(2, 9), capacity=1)
    first = await _book(client, world.resident, slot)
    waiter = await _book(client, world.neighbour, slot)
    await client.post(f"{BOOKINGS}/{first['id']}/cancel", headers=auth(world.resident))
    assert (await _get(client, world.neighbour, waiter))["status"] == "pending_approval"


async def test_checked_in_booking_cannot_be_cancelled(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    booking = await _book(client, world.resident, slot)
    clock.freeze(at(1, 8, 30))
    await client.post(f"{BOOKINGS}/{booking['id']}/check-in", headers=auth(world.staff))
    r = await client.post(f"{BOOKINGS}/{booking['id']}/cancel", headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"


async def test_errors_speak_english_on_request(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, waitlist=False)
    slot = await make_slot(db, service, at(1, 9), capacity=1)
    await _book(client, world.resident, slot)
    r = await client.post(
        BOOKINGS, json={"slot_id": str(slot.id)}, headers={**auth(world.neighbour), "Accept-Language": "en"}
    )
    assert r.json()["title"] == "This slot is full"
    zh = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.neighbour))
    assert zh.json()["title"] == "该时段已约满"


async def test_other_community_staff_cannot_check_in_by_id(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    booking = await _book(client, world.resident, slot)
    clock.freeze(at(1, 8, 30))
    r = await client.post(f"{BOOKINGS}/{booking['id']}/check-in", headers=auth(world.other_staff))
    assert r.status_code == 404
