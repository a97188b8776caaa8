"""Booking a slot: confirmed, waitlisted or refused, and every rule that can say no."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from tests.support.bookings import BOOKINGS, at, make_service, make_slot
from tests.support.factories import World, auth, make_user


async def _book(client: httpx.AsyncClient, user, slot, **extra):  # type: ignore[no-untyped-def]
    return await client.post(BOOKINGS, json={"slot_id": str(slot.id), **extra}, headers=auth(user))


async def test_confirmed_while_places_remain_then_waitlisted_in_order(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9), capacity=1)
    third = await make_user(db, community=world.community)
    first = await _book(client, world.resident, slot)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "confirmed"
    assert first.json()["waitlist_position"] is None
    assert len(first.json()["code"]) == 8
    second = await _book(client, world.neighbour, slot)
    assert (second.json()["status"], second.json()["waitlist_position"]) == ("waitlisted", 1)
    last = await _book(client, third, slot)
    assert (last.json()["status"], last.json()["waitlist_position"]) == ("waitlisted", 2)
    kinds = (
        await db.execute(select(Notification.kind).where(Notification.user_id == world.resident.id))
    ).scalars()
    assert "booking.confirmed" in list(kinds)


async def test_full_slot_without_waitlist_is_409_slot_full(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, waitlist=False)
    slot = await make_slot(db, service, at(1, 9), capacity=1)
    assert (await _book(client, world.resident, slot)).status_code == 201
    r = await _book(client, world.neighbour, slot)
    assert r.status_code == 409
    assert r.json()["code"] == "slot_full"
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_same_slot_twice_is_409_already_booked(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    assert (await _book(client, world.resident, slot)).status_code == 201
    r = await _book(client, world.resident, slot)
    assert r.status_code == 409
    assert r.json()["code"] == "already_booked"


async def test_idempotency_key_replays_the_first_booking(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    headers = {**auth(world.resident), "Idempotency-Key": "book-1"}
    first = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=headers)
    again = await client.post(BOOKINGS, json={"slot_id": str(slot.id)}, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"


async def test_booking_window_opens_and_closes(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    service = await make_service(db, world.community, opens_days_ahead=3, closes_minutes_before=60)
    slot = await make_slot(db, service, at(7, 9))
    clock.freeze(at(3, 8, 59))  # opens at day 4, 09:00
    early = await _book(client, world.resident, slot)
    assert early.status_code == 409
    assert early.json()["code"] == "booking_not_open"
    assert "opens_at" in early.json()
    clock.freeze(at(7, 8, 1))  # closed at 08:00
    late = await _book(client, world.resident, slot)
    assert late.json()["code"] == "booking_closed"
    clock.freeze(at(7, 7, 59))
    assert (await _book(client, world.resident, slot)).status_code == 201


async def test_quota_per_week_and_per_day(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, quota_per_week=2, quota_per_day=1)
    monday_am = await make_slot(db, service, at(0, 10))
    monday_pm = await make_slot(db, service, at(0, 15))
    tuesday = await make_slot(db, service, at(1, 10))
    wednesday = await make_slot(db, service, at(2, 10))
    next_monday = await make_slot(db, service, at(7, 10))
    assert (await _book(client, world.resident, monday_am)).status_code == 201
    day = await _book(client, world.resident, monday_pm)
    assert day.status_code == 409
    assert (day.json()["code"], day.json()["period"]) == ("quota_exceeded", "day")
    assert (await _book(client, world.resident, tuesday)).status_code == 201
    week = await _book(client, world.resident, wednesday)
    assert (week.json()["code"], week.json()["period"]) == ("quota_exceeded", "week")
    clock.freeze(at(1, 8))
    assert (await _book(client, world.resident, next_monday)).status_code == 201


async def test_cancelled_bookings_do_not_count_for_the_quota(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, quota_per_week=1)
    a = await make_slot(db, service, at(1, 10))
    b = await make_slot(db, service, at(2, 10))
    first = await _book(client, world.resident, a)
    await client.post(f"{BOOKINGS}/{first.json()['id']}/cancel", json={}, headers=auth(world.resident))
    assert (await _book(client, world.resident, b)).status_code == 201


async def test_seniors_only_service_checks_age(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, audience="seniors")
    slot = await make_slot(db, service, at(1, 9))
    young = await make_user(db, community=world.community, birth_date=date(2000, 1, 1))
    r = await _book(client, young, slot)
    assert r.status_code == 403
    assert r.json()["code"] == "not_eligible"
    unknown = await _book(client, world.neighbour, slot)  # no birth date on record
    assert unknown.json()["code"] == "not_eligible"
    assert (await _book(client, world.resident, slot)).status_code == 201  # born 1950


async def test_residents_only_service_refuses_other_communities(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, audience="residents")
    slot = await make_slot(db, service, at(1, 9))
    r = await _book(client, world.other_resident, slot)
    assert r.json()["code"] == "not_eligible"
    everyone = await make_service(db, world.community, name="棋牌室")
    open_slot = await make_slot(db, everyone, at(1, 9))
    assert (await _book(client, world.other_resident, open_slot)).status_code == 201


async def test_approval_required_then_staff_approve(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, approval_required=True, name="法律咨询")
    slot = await make_slot(db, service, at(1, 9), capacity=1)
    r = await _book(client, world.resident, slot)
    assert r.json()["status"] == "pending_approval"
    booking_id = r.json()["id"]
    assert (await _book(client, world.neighbour, slot)).json()["status"] == "waitlisted"  # the place is held
    url = f"{BOOKINGS}/{booking_id}/approve"
    assert (await client.post(url, headers=auth(world.resident))).status_code == 403
    assert (await client.post(url, headers=auth(world.other_staff))).status_code == 404
    ok = await client.post(url, headers=auth(world.staff))
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "confirmed"
    again = await client.post(url, headers=auth(world.staff))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


async def test_staff_book_on_behalf_of_a_resident_and_it_is_audited(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    r = await _book(client, world.staff, slot, on_behalf_of=str(world.resident.id))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["user_id"] == str(world.resident.id)
    assert body["booked_by"] == str(world.staff.id)
    entry = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "bookings.booked_on_behalf"))
    ).scalar_one()
    assert (entry.actor_id, entry.on_behalf_of) == (world.staff.id, world.resident.id)
    mine = await client.get(BOOKINGS, headers=auth(world.resident))
    assert [b["id"] for b in mine.json()["items"]] == [body["id"]]


async def test_on_behalf_of_is_only_for_staff_of_the_residents_community(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    as_resident = await _book(client, world.neighbour, slot, on_behalf_of=str(world.resident.id))
    assert as_resident.status_code == 404
    other_staff = await _book(client, world.other_staff, slot, on_behalf_of=str(world.resident.id))
    assert other_staff.status_code == 404
    outsider = await _book(client, world.staff, slot, on_behalf_of=str(world.other_resident.id))
    assert outsider.status_code == 404


async def test_unknown_slot_is_404_and_bad_body_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        BOOKINGS, json={"slot_id": "00000000-0000-0000-0000-000000000000"}, headers=auth(world.resident)
    )
    assert r.status_code == 404
    bad = await client.post(BOOKINGS, json={"slot_id": "nope"}, headers=auth(world.resident))
    assert bad.status_code == 422
    assert (await client.post(BOOKINGS, json={})).status_code in (401, 422)


async def test_residents_see_only_their_bookings_staff_their_community(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    mine = (await _book(client, world.resident, slot)).json()
    theirs = (await _book(client, world.neighbour, slot)).json()
    assert (await client.get(f"{BOOKINGS}/{theirs['id']}", headers=auth(world.resident))).status_code == 404
    assert (await client.get(f"{BOOKINGS}/{mine['id']}", headers=auth(world.other_staff))).status_code == 404
    assert (await client.get(f"{BOOKINGS}/{mine['id']}", headers=auth(world.staff))).status_code == 200
    staff_list = await client.get(BOOKINGS, params={"slot_id": str(slot.id)}, headers=auth(world.staff))
    assert {b["id"] for b in staff_list.json()["items"]} == {mine["id"], theirs["id"]}
    filtered = await client.get(
        BOOKINGS,
        params={"user_id": str(world.neighbour.id), "status": "confirmed"},
        headers=auth(world.staff),
    )
    assert [b["id"] for b in filtered.json()["items"]] == [theirs["id"]]
    assert (await client.get(BOOKINGS, params={"mine": True}, headers=auth(world.staff))).json()[
        "items"
    ] == []
    assert (await client.get(BOOKINGS, headers=auth(world.other_staff))).json()["items"] == []


async def test_booking_code_comes_as_text_and_qr(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    booking = (await _book(client, world.resident, slot)).json()
    r = await client.get(f"{BOOKINGS}/{booking['id']}/code", headers=auth(world.resident))
    assert r.status_code == 200
    assert r.json()["code"] == booking["code"]
    assert r.json()["qr_svg"].startswith("data:image/svg+xml")
    assert (
        await client.get(f"{BOOKINGS}/{booking['id']}/code", headers=auth(world.neighbour))
    ).status_code == 404


async def test_check_in_by_code_and_by_hand(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    a = (await _book(client, world.resident, slot)).json()
    b = (await _book(client, world.neighbour, slot)).json()
    too_early = await client.post(f"{BOOKINGS}/check-in", json={"code": a["code"]}, headers=auth(world.staff))
    assert too_early.status_code == 409
    assert too_early.json()["code"] == "check_in_not_open"
    clock.freeze(at(1, 8, 30))
    assert (
        await client.post(f"{BOOKINGS}/check-in", json={"code": a["code"]}, headers=auth(world.resident))
    ).status_code == 403
    assert (
        await client.post(f"{BOOKINGS}/check-in", json={"code": a["code"]}, headers=auth(world.other_staff))
    ).json()["code"] == "invalid_booking_code"
    spaced = a["code"][:4].lower() + "-" + a["code"][4:]
    r = await client.post(f"{BOOKINGS}/check-in", json={"code": spaced}, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "checked_in"
    twice = await client.post(f"{BOOKINGS}/check-in", json={"code": a["code"]}, headers=auth(world.staff))
    assert twice.json()["code"] == "invalid_transition"
    wrong = await client.post(f"{BOOKINGS}/check-in", json={"code": "ZZZZZZZZ"}, headers=auth(world.staff))
    assert wrong.status_code == 404
    by_hand = await client.post(f"{BOOKINGS}/{b['id']}/check-in", headers=auth(world.staff))
    assert by_hand.json()["status"] == "checked_in"


async def test_inactive_service_cannot_be_booked(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, active=False)
    slot = await make_slot(db, service, at(1, 9))
    assert (await _book(client, world.resident, slot)).status_code == 404
    r = await _book(client, world.staff, slot, on_behalf_of=str(world.resident.id))
    assert r.json()["code"] == "service_inactive"


async def test_slot_in_the_past_is_closed(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    service = await make_service(db, world.community)
    slot = await make_slot(db, service, at(1, 9))
    clock.freeze(at(1, 9) + timedelta(minutes=5))
    assert (await _book(client, world.resident, slot)).json()["code"] == "booking_closed"
