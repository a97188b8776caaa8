"""Capacity, waitlist order and quotas hold under parallel requests (real commits, real PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.bookings import PLACE_HOLDING, Booking, BookingSlot, BookingStatus
from tests.support.bookings import BOOKINGS, at, make_service, make_slot
from tests.support.factories import auth, make_user, make_world


async def _assert_slot_consistent(db: AsyncSession, slot_id: object) -> None:
    slot = (
        await db.execute(
            select(BookingSlot).where(BookingSlot.id == slot_id).execution_options(populate_existing=True)
        )
    ).scalar_one()
    holding = (
        await db.execute(
            select(func.count()).where(Booking.slot_id == slot_id, Booking.status.in_(PLACE_HOLDING))
        )
    ).scalar_one()
    assert slot.booked == holding <= slot.capacity
    positions = (
        (
            await db.execute(
                select(Booking.waitlist_position)
                .where(Booking.slot_id == slot_id, Booking.status == BookingStatus.waitlisted)
                .order_by(Booking.waitlist_position)
            )
        )
        .scalars()
        .all()
    )
    assert positions == list(range(1, len(positions) + 1))
    if positions:
        assert slot.booked == slot.capacity  # nobody waits while a place is free


async def test_fifty_parallel_bookings_of_five_places_confirm_exactly_five(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    world = await make_world(live_db)
    service = await make_service(live_db, world.community)
    slot = await make_slot(live_db, service, at(1, 9), capacity=5)
    people = [await make_user(live_db, community=world.community) for _ in range(50)]
    await live_db.commit()

    responses = await asyncio.gather(
        *(live_client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(p)) for p in people)
    )
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201][
        :3
    ]
    bodies = [r.json() for r in responses]
    assert sum(b["status"] == "confirmed" for b in bodies) == 5
    positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
    assert positions == list(range(1, 46))
    # The order given is the order stored: each waiter's position matches the database.
    stored = dict(
        (
            await live_db.execute(
                select(Booking.id, Booking.waitlist_position).where(
                    Booking.status == BookingStatus.waitlisted
                )
            )
        ).all()
    )
    assert {str(k): v for k, v in stored.items()} == {
        b["id"]: b["waitlist_position"] for b in bodies if b["status"] == "waitlisted"
    }
    await _assert_slot_consistent(live_db, slot.id)


async def test_parallel_cancellations_and_bookings_never_exceed_capacity(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    world = await make_world(live_db)
    service = await make_service(live_db, world.community)
    slot = await make_slot(live_db, service, at(1, 9), capacity=5)
    first = [await make_user(live_db, community=world.community) for _ in range(12)]
    later = [await make_user(live_db, community=world.community) for _ in range(15)]
    await live_db.commit()
    made = []
    for person in first:  # 5 confirmed, 7 waiting
        r = await live_client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(person))
        made.append((person, r.json()))

    cancels = [
        live_client.post(f"{BOOKINGS}/{b['id']}/cancel", json={}, headers=auth(p))
        for p, b in made[:3] + made[6:9]  # three confirmed, three waiting
    ]
    books = [live_client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(p)) for p in later]
    results = await asyncio.gather(*cancels, *books)
    assert all(r.status_code in (200, 201) for r in results), [
        r.text for r in results if r.status_code >= 300
    ][:3]
    await _assert_slot_consistent(live_db, slot.id)
    counts = dict(
        (
            await live_db.execute(
                select(Booking.status, func.count())
                .where(Booking.slot_id == slot.id)
                .group_by(Booking.status)
            )
        ).all()
    )
    assert counts[BookingStatus.confirmed] == 5
    assert counts[BookingStatus.cancelled] == 6
    assert counts[BookingStatus.waitlisted] == 12 + 15 - 6 - 5


async def test_a_residents_parallel_bookings_never_exceed_the_quota(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    world = await make_world(live_db)
    service = await make_service(live_db, world.community, quota_per_week=2)
    slots = [await make_slot(live_db, service, at(1, 8 + i), capacity=3) for i in range(10)]
    await live_db.commit()
    responses = await asyncio.gather(
        *(
            live_client.post(BOOKINGS, json={"slot_id": str(s.id)}, headers=auth(world.resident))
            for s in slots
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201] + [409] * 8
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"quota_exceeded"}
    stored = (
        await live_db.execute(select(func.count()).where(Booking.user_id == world.resident.id))
    ).scalar_one()
    assert stored == 2


async def test_the_same_resident_double_submitting_gets_one_booking(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    world = await make_world(live_db)
    service = await make_service(live_db, world.community)
    slot = await make_slot(live_db, service, at(1, 9), capacity=3)
    await live_db.commit()
    responses = await asyncio.gather(
        *(
            live_client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=auth(world.resident))
            for _ in range(8)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    await _assert_slot_consistent(live_db, slot.id)
