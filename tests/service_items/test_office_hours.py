"""Office hours (驻点服务): recurring schedules on China's calendar, bookable places, the queue, notes."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth, make_user
from tests.support.service_items import API, make_office_hours, post, shanghai


def _monthly(world: World, **extra: object) -> dict[str, object]:
    return {
        "official_name": "王律师",
        "official_title": "法律援助律师",
        "topic": "legal_aid",
        "title": "法律援助进社区",
        "location": "党群服务中心一楼",
        "recurrence": "monthly",
        "weekdays": [2],
        "weeks_of_month": [1, 3],
        "start_time": "14:00",
        "end_time": "17:00",
        "starts_on": "2026-01-01",
        **extra,
    }


async def test_recurring_office_hours_skip_a_holiday_and_honour_a_make_up_saturday(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await post(client, "/office-hours", world.staff, _monthly(world), 201)
    assert created["schedule_label"] == "每月第一、三个周二 14:00–17:00"
    days = (
        await client.get(
            f"{API}/office-hours/{created['id']}/sessions?from=2026-04-01&to=2026-05-31",
            headers=auth(world.resident),
        )
    ).json()
    # Tue 5 May is a Labour Day day off in lieu, paid back by the make-up working Saturday 9 May.
    assert [(d["day"], d["moved_from"]) for d in days] == [
        ("2026-04-07", None),
        ("2026-04-21", None),
        ("2026-05-09", "2026-05-05"),
        ("2026-05-19", None),
    ]
    assert days[2]["start_at"] == "2026-05-09T06:00:00Z"

    weekly = await post(
        client,
        "/office-hours",
        world.staff,
        _monthly(
            world, recurrence="weekly", weekdays=[4], weeks_of_month=[], start_time="09:00", end_time="12:00"
        ),
        201,
    )
    assert weekly["schedule_label"] == "每周四 09:00–12:00"
    days = (
        await client.get(
            f"{API}/office-hours/{weekly['id']}/sessions?from=2026-09-28&to=2026-10-16",
            headers=auth(world.staff),
        )
    ).json()
    assert [d["day"] for d in days] == ["2026-10-08", "2026-10-15"]  # Thu 1 Oct: National Day, skipped


async def test_bookable_places_are_booking_slots_residents_book_through_bookings(
    client: httpx.AsyncClient, world: World
) -> None:
    clock.freeze(shanghai(2026, 4, 28))
    created = await post(client, "/office-hours", world.staff, _monthly(world, capacity=2), 201)
    upcoming = {s["day"]: s for s in created["upcoming"]}
    assert set(upcoming) == {"2026-05-09", "2026-05-19"}
    slot = upcoming["2026-05-09"]
    assert (slot["remaining"], slot["slot_id"] is not None) == (2, True)
    booked = await post(client, "/bookings", world.resident, {"slot_id": slot["slot_id"]}, 201)
    assert booked["status"] == "confirmed"
    again = (await client.get(f"{API}/office-hours/{created['id']}", headers=auth(world.neighbour))).json()
    assert {s["day"]: s["remaining"] for s in again["upcoming"]}["2026-05-09"] == 1


async def test_the_daily_job_keeps_sessions_and_slots_eight_weeks_ahead_once(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    from app.service_items import office_hours

    clock.freeze(shanghai(2026, 4, 1))
    created = await post(client, "/office-hours", world.staff, _monthly(world, capacity=2), 201)
    assert await office_hours.extend_sessions(db, shanghai(2026, 4, 1)) == 0  # made at creation
    assert await office_hours.extend_sessions(db, shanghai(2026, 5, 1)) == 2  # 2 and 16 June
    assert await office_hours.extend_sessions(db, shanghai(2026, 5, 1)) == 0
    clock.freeze(shanghai(2026, 5, 1))
    days = (
        await client.get(
            f"{API}/office-hours/{created['id']}/sessions?from=2026-06-01&to=2026-06-30",
            headers=auth(world.resident),
        )
    ).json()
    assert [(d["day"], d["remaining"]) for d in days] == [("2026-06-02", 2), ("2026-06-16", 2)]


async def test_take_a_number_see_the_position_move_and_get_called(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    official = await make_user(db, name="李律师", community=world.community)
    oh = await make_office_hours(db, world, official)
    clock.freeze(shanghai(2026, 6, 2))  # a Tuesday
    first = await post(client, f"/office-hours/{oh.id}/queue", world.resident, None, 201)
    second = await post(client, f"/office-hours/{oh.id}/queue", world.neighbour, None, 201)
    walk_in = await post(client, f"/office-hours/{oh.id}/queue", world.staff, {"name": "王大爷"}, 201)
    again = await post(client, f"/office-hours/{oh.id}/queue", world.resident, None, 201)
    assert [first["number"], second["number"], walk_in["number"], again["number"]] == [1, 2, 3, 1]
    assert second["position"] == 2

    r = await client.post(f"{API}/office-hours/{oh.id}/call-next", headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (403, "not_official")
    called = await post(client, f"/office-hours/{oh.id}/call-next", official)
    assert called["number"] == 1
    view = (await client.get(f"{API}/office-hours/{oh.id}/queue", headers=auth(world.neighbour))).json()
    assert (view["now_serving"], view["waiting"], view["mine"]["position"], view["numbers"]) == (
        1,
        2,
        1,
        None,
    )
    assert [
        n["number"]
        for n in (await client.get(f"{API}/office-hours/{oh.id}/queue", headers=auth(official))).json()[
            "numbers"
        ]
    ] == [1, 2, 3]

    for _ in range(2):
        await post(client, f"/office-hours/{oh.id}/call-next", official)
    r = await client.post(f"{API}/office-hours/{oh.id}/call-next", headers=auth(official))
    assert (r.status_code, r.json()["code"]) == (409, "queue_empty")


async def test_no_numbers_on_a_day_without_a_session_or_after_it_ends(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    oh = await make_office_hours(db, world)
    clock.freeze(shanghai(2026, 6, 3))  # a Wednesday
    r = await client.post(f"{API}/office-hours/{oh.id}/queue", headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (409, "no_session_today")
    view = (await client.get(f"{API}/office-hours/{oh.id}/queue", headers=auth(world.resident))).json()
    assert (view["session_today"], view["waiting"]) == (False, 0)
    clock.freeze(shanghai(2026, 6, 2, 18))
    r = await client.post(f"{API}/office-hours/{oh.id}/queue", headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (409, "session_over")


async def test_consultation_notes_are_for_the_official_and_the_communitys_staff_only(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    official = await make_user(db, name="李律师", community=world.community)
    oh = await make_office_hours(db, world, official)
    clock.freeze(shanghai(2026, 6, 2))
    number = await post(client, f"/office-hours/{oh.id}/queue", world.resident, None, 201)
    note = await post(
        client,
        f"/office-hours/{oh.id}/notes",
        official,
        {"body": "咨询赡养纠纷，建议先调解", "queue_number_id": number["id"]},
        201,
    )
    assert note["resident_id"] == str(world.resident.id)
    for reader in (official, world.staff):
        notes = (await client.get(f"{API}/office-hours/{oh.id}/notes", headers=auth(reader))).json()
        assert [n["body"] for n in notes] == ["咨询赡养纠纷，建议先调解"]
    for outsider, status in ((world.resident, 403), (world.handler, 403), (world.other_staff, 404)):
        r = await client.get(f"{API}/office-hours/{oh.id}/notes", headers=auth(outsider))
        assert r.status_code == status
    r = await client.post(f"{API}/office-hours/{oh.id}/queue", headers=auth(world.other_staff))
    assert (r.status_code, r.json()["code"]) == (404, "office_hours_not_found")


async def test_invalid_schedules_are_422(client: httpx.AsyncClient, world: World) -> None:
    for bad in (
        _monthly(world, weeks_of_month=[]),
        _monthly(world, weekdays=[8]),
        _monthly(world, end_time="13:00"),
        _monthly(world, recurrence="weekly"),
    ):
        r = await client.post(f"{API}/office-hours", json=bad, headers=auth(world.staff))
        assert r.status_code == 422, bad
    r = await client.post(f"{API}/office-hours", json=_monthly(world), headers=auth(world.resident))
    assert r.status_code == 403
