"""No-shows after a slot ends, the suspension they earn and its lifting, and reminders."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import jobs as bookings
from app.core import clock
from app.core.periodic import load_all
from app.models.notifications import Notification
from tests.support.bookings import BOOKINGS, at, make_service, make_slot
from tests.support.factories import World, auth


async def _book(client: httpx.AsyncClient, user, slot, **extra):  # type: ignore[no-untyped-def]
    r = await client.post(BOOKINGS, json={"slot_id": str(slot.id), **extra}, headers=auth(user))
    assert r.status_code == 201, r.text
    return r.json()


async def _status(client: httpx.AsyncClient, user, booking) -> str:  # type: ignore[no-untyped-def]
    return str((await client.get(f"{BOOKINGS}/{booking['id']}", headers=auth(user))).json()["status"])


def test_jobs_are_declared() -> None:
    jobs = load_all()
    assert "bookings.mark_no_shows" in jobs
    assert "bookings.send_reminders" in jobs


async def test_after_the_slot_unchecked_become_no_show_and_waiters_expire(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9), capacity=1)
    came = await _book(client, world.resident, slot)
    waiter = await _book(client, world.neighbour, slot)
    assert await bookings.mark_no_shows(db, at(1, 9, 59)) == 0  # not over yet
    clock.freeze(at(1, 9, 5))
    await client.post(f"{BOOKINGS}/{came['id']}/check-in", headers=auth(world.staff))
    missed_slot = await make_slot(db, service, at(1, 14), capacity=1)
    clock.freeze(at(0, 9))
    missed = await _book(client, world.resident, missed_slot)
    assert await bookings.mark_no_shows(db, at(1, 15)) == 2
    assert await _status(client, world.resident, came) == "checked_in"
    assert await _status(client, world.resident, missed) == "no_show"
    assert await _status(client, world.neighbour, waiter) == "cancelled"
    assert await bookings.mark_no_shows(db, at(1, 15)) == 0  # idempotent


async def test_three_no_shows_in_30_days_suspend_self_booking_for_14_days(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community, opens_days_ahead=30)
    slots = [await make_slot(db, service, at(day, 9)) for day in (1, 8, 15)]
    clock.freeze(at(0, 8))
    for slot in slots:
        await _book(client, world.resident, slot)
    for day in (1, 8):
        clock.freeze(at(day, 11))
        await bookings.mark_no_shows(db, at(day, 11))
    state = (await client.get(f"{BOOKINGS}/suspension", headers=auth(world.resident))).json()
    assert state == {"suspended": False, "until": None, "no_shows_recent": 2, "limit": 3, "window_days": 30}
    clock.freeze(at(15, 11))
    await bookings.mark_no_shows(db, at(15, 11))

    state = (await client.get(f"{BOOKINGS}/suspension", headers=auth(world.resident))).json()
    assert state["suspended"] is True
    assert state["until"] is not None
    later = await make_slot(db, service, at(17, 9))
    refused = await client.post(BOOKINGS, json={"slot_id": str(later.id)}, headers=auth(world.resident))
    assert refused.status_code == 403
    assert refused.json()["code"] == "booking_suspended"
    assert refused.json()["until"] == state["until"]
    told = (
        await db.execute(
            select(Notification).where(
                Notification.user_id == world.resident.id, Notification.kind == "booking.suspended"
            )
        )
    ).scalar_one()
    assert "暂停" in told.title
    # Staff may still book for them (an elder who phones in).
    await _book(client, world.staff, later, on_behalf_of=str(world.resident.id))

    clock.freeze(at(15, 11) + timedelta(days=14, minutes=1))
    lifted = (await client.get(f"{BOOKINGS}/suspension", headers=auth(world.resident))).json()
    assert lifted["suspended"] is False
    # The no-shows that earned the suspension do not count again.
    assert lifted["no_shows_recent"] == 0
    again = await make_slot(db, service, at(31, 9))
    await _book(client, world.resident, again)


async def test_no_shows_outside_the_window_do_not_suspend(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community, opens_days_ahead=60)
    slots = [await make_slot(db, service, at(day, 9)) for day in (1, 20, 40)]
    clock.freeze(at(0, 8))
    for slot in slots:
        await _book(client, world.resident, slot)
    for day in (1, 20, 40):
        clock.freeze(at(day, 11))
        await bookings.mark_no_shows(db, at(day, 11))
    state = (await client.get(f"{BOOKINGS}/suspension", headers=auth(world.resident))).json()
    assert state["suspended"] is False
    assert state["no_shows_recent"] == 2


async def test_reminders_the_day_before_and_the_hour_before_once_each(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(2, 9))
    await _book(client, world.resident, slot)
    assert await bookings.send_reminders(db, at(0, 9)) == 0  # two days ahead
    assert await bookings.send_reminders(db, at(1, 10)) == 1
    assert await bookings.send_reminders(db, at(1, 11)) == 0
    assert await bookings.send_reminders(db, at(2, 8, 10)) == 1
    assert await bookings.send_reminders(db, at(2, 8, 20)) == 0
    reminders = (
        (
            await db.execute(
                select(Notification).where(
                    Notification.user_id == world.resident.id, Notification.kind == "booking.reminder"
                )
            )
        )
        .scalars()
        .all()
    )
    assert sorted(n.data["when"] for n in reminders) == ["day", "hour"]
