"""Staff views: a day's schedule with attendees, weekly utilisation and no-show rates, CSV/XLSX export."""

from __future__ import annotations

import csv
import io

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import jobs as bookings
from app.core import clock
from tests.support.bookings import BOOKINGS, at, make_service, make_slot
from tests.support.factories import World, auth


async def _setup(client: httpx.AsyncClient, world: World, db: AsyncSession):  # type: ignore[no-untyped-def]
    clock.freeze(at(0, 8))
    haircut = await make_service(db, world.community, name="便民理发", location="一楼")
    chess = await make_service(db, world.community, name="棋牌室", location="二楼")
    cut = await make_slot(db, haircut, at(1, 9), capacity=2)
    room = await make_slot(db, chess, at(1, 14), capacity=4)
    await make_slot(db, chess, at(2, 14), capacity=4)  # another day
    a = (await client.post(BOOKINGS, json={"slot_id": str(cut.id)}, headers=auth(world.resident))).json()
    await client.post(BOOKINGS, json={"slot_id": str(cut.id)}, headers=auth(world.neighbour))
    await client.post(
        BOOKINGS,
        json={"slot_id": str(room.id), "on_behalf_of": str(world.resident.id)},
        headers=auth(world.staff),
    )
    clock.freeze(at(1, 9))
    await client.post(f"{BOOKINGS}/{a['id']}/check-in", headers=auth(world.staff))
    await bookings.mark_no_shows(db, at(1, 23))
    return haircut, chess


async def test_day_schedule_lists_slots_with_attendees(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await _setup(client, world, db)
    day = at(1).date().isoformat()
    r = await client.get(f"{BOOKINGS}/schedule", params={"date": day}, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    slots = r.json()["slots"]
    assert [(s["service_name"], s["location"]) for s in slots] == [("便民理发", "一楼"), ("棋牌室", "二楼")]
    people = {(p["name"], p["status"]) for p in slots[0]["attendees"]}
    assert people == {("张阿姨", "checked_in"), ("刘大爷", "no_show")}
    assert slots[0]["attendees"][0]["phone"].count("*") == 4
    assert slots[1]["attendees"][0]["booked_by_staff"] is True
    one = await client.get(
        f"{BOOKINGS}/schedule", params={"date": day, "location": "二楼"}, headers=auth(world.staff)
    )
    assert [s["service_name"] for s in one.json()["slots"]] == ["棋牌室"]
    other = await client.get(f"{BOOKINGS}/schedule", params={"date": day}, headers=auth(world.other_staff))
    assert other.json()["slots"] == []
    assert (await client.get(f"{BOOKINGS}/schedule", headers=auth(world.resident))).status_code == 403


async def test_weekly_stats_give_utilisation_and_no_show_rate(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    haircut, _chess = await _setup(client, world, db)
    params = {"from": at(0).date().isoformat(), "to": at(6).date().isoformat()}
    r = await client.get(f"{BOOKINGS}/stats", params=params, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    rows = {i["service_name"]: i for i in r.json()["items"]}
    cut = rows["便民理发"]
    assert cut["week_start"] == at(0).date().isoformat()
    assert (cut["slots"], cut["capacity"], cut["booked"], cut["checked_in"], cut["no_shows"]) == (
        1,
        2,
        2,
        1,
        1,
    )
    assert (cut["utilisation"], cut["no_show_rate"]) == (1.0, 0.5)
    chess = rows["棋牌室"]
    assert (chess["slots"], chess["capacity"], chess["booked"], chess["no_shows"]) == (2, 8, 1, 1)
    assert chess["utilisation"] == 0.125
    only = await client.get(
        f"{BOOKINGS}/stats", params={**params, "service_id": str(haircut.id)}, headers=auth(world.staff)
    )
    assert [i["service_name"] for i in only.json()["items"]] == ["便民理发"]
    bad = await client.get(
        f"{BOOKINGS}/stats", params={"from": "2026-12-10", "to": "2026-12-01"}, headers=auth(world.staff)
    )
    assert bad.status_code == 422


async def test_stats_export_as_csv_and_xlsx(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await _setup(client, world, db)
    params = {"from": at(0).date().isoformat(), "to": at(6).date().isoformat()}
    r = await client.get(
        f"{BOOKINGS}/stats/export", params={**params, "format": "csv"}, headers=auth(world.staff)
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "服务"
    assert {row[0] for row in rows[1:]} == {"便民理发", "棋牌室"}
    x = await client.get(
        f"{BOOKINGS}/stats/export", params={**params, "format": "xlsx"}, headers=auth(world.staff)
    )
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    assert sheet.cell(1, 1).value == "服务"
    assert sheet.max_row == 3
    assert (
        await client.get(f"{BOOKINGS}/stats/export", params={"format": "pdf"}, headers=auth(world.staff))
    ).status_code == 422
