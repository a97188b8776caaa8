"""Stats on a known data set with hand-computed rates; CSV and XLSX exports with Chinese headers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.tickets import NO_DEADLINE, Ticket, TicketRating, TicketStatus
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"
S = TicketStatus


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


async def _ticket(db: AsyncSession, category: Any, reporter: Any, created: datetime, **fields: Any) -> Ticket:
    clock.freeze(created)
    t = await make_ticket(db, category, reporter)
    t.accept_by = created + timedelta(hours=2)
    for key, value in fields.items():
        setattr(t, key, value)
    open_deadline = t.accept_by if t.status is S.submitted else t.due_at
    t.queue_at = (
        open_deadline if t.status in (S.submitted, S.accepted, S.dispatched, S.in_progress) else NO_DEADLINE
    )
    await db.flush()
    return t


@pytest.fixture
async def dataset(db: AsyncSession, world: World) -> dict[str, Any]:
    lights = await make_category(db, world.community, name="照明")
    water = await make_category(db, world.community, name="供水")
    d = world.department
    r = world.resident
    t1 = await _ticket(
        db,
        lights,
        r,
        at(1),
        status=S.closed,
        responded_at=at(1, 1),
        due_at=at(2),
        resolved_at=at(1, 10),
        rating=TicketRating.satisfied,
        department_id=d.id,
        closed_at=at(1, 12),
    )
    t2 = await _ticket(
        db,
        lights,
        r,
        at(1),
        status=S.closed,
        responded_at=at(1, 3),
        due_at=at(2, 3),
        resolved_at=at(3),
        rating=TicketRating.basically_satisfied,
        department_id=d.id,
    )
    t3 = await _ticket(
        db,
        water,
        r,
        at(2),
        status=S.closed,
        responded_at=at(2, 1),
        due_at=at(3),
        resolved_at=at(2, 20),
        rating=TicketRating.unsatisfied,
    )
    t4 = await _ticket(db, water, r, at(2), status=S.submitted)
    t5 = await _ticket(
        db, water, r, at(3), status=S.in_progress, responded_at=at(3, 1), due_at=at(4), department_id=d.id
    )
    t6 = await _ticket(db, lights, r, at(9, 23), status=S.submitted)
    t7 = await _ticket(db, lights, r, at(1), status=S.merged, merged_into_id=t1.id)
    other = await make_category(db, world.other_community)
    await _ticket(db, other, world.other_resident, at(1), status=S.submitted)
    clock.freeze(at(10))
    return {"lights": lights, "water": water, "tickets": [t1, t2, t3, t4, t5, t6, t7]}


async def test_overall_rates_match_the_hand_computed_figures(
    client: httpx.AsyncClient, world: World, dataset: dict[str, Any]
) -> None:
    r = await client.get(f"{API}/stats/tickets", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    o = r.json()["overall"]
    assert o["total"] == 7
    assert o["by_status"]["closed"] == 3
    assert o["by_status"]["submitted"] == 2
    assert o["by_status"]["merged"] == 1
    # Responded in time: t1, t3, t5 of t1–t5 (t6's window is still open; t7 is a duplicate).
    assert (o["responded_in_time"], o["response_due"], o["response_rate"]) == (3, 5, 0.6)
    # On time: t1, t3 of the resolved t1–t3 and the overdue t5.
    assert (o["resolved_on_time"], o["resolution_due"], o["on_time_rate"]) == (2, 4, 0.5)
    assert (o["rated"], o["satisfaction_rate"]) == (3, 0.6667)
    # 10 h, 48 h, 20 h: mean 26; p90 interpolates 20 + 0.8 × 28.
    assert o["mean_hours_to_resolve"] == 26.0
    assert o["p90_hours_to_resolve"] == 42.4


async def test_grouped_by_category(client: httpx.AsyncClient, world: World, dataset: dict[str, Any]) -> None:
    body = (await client.get(f"{API}/stats/tickets?group_by=category", headers=auth(world.staff))).json()
    groups = {g["label"]: g for g in body["groups"]}
    lights, water = groups["照明"], groups["供水"]
    assert (lights["total"], lights["response_rate"], lights["on_time_rate"]) == (4, 0.5, 0.5)
    assert (lights["satisfaction_rate"], lights["mean_hours_to_resolve"], lights["p90_hours_to_resolve"]) == (
        1.0,
        29.0,
        44.2,
    )
    assert (water["total"], water["response_rate"], water["on_time_rate"]) == (3, 0.6667, 0.5)
    assert (water["satisfaction_rate"], water["mean_hours_to_resolve"]) == (0.0, 20.0)
    assert water["by_status"]["in_progress"] == 1


async def test_grouped_by_department_period_and_community(
    client: httpx.AsyncClient, world: World, dataset: dict[str, Any]
) -> None:
    dept = (await client.get(f"{API}/stats/tickets?group_by=department", headers=auth(world.staff))).json()
    by_dept = {g["label"]: g["total"] for g in dept["groups"]}
    assert by_dept == {"甲物业": 3, "未派单": 4}
    period = (
        await client.get(f"{API}/stats/tickets?group_by=period&period=day", headers=auth(world.staff))
    ).json()
    assert [(g["label"], g["total"]) for g in period["groups"]] == [
        ("2026-12-01", 3),
        ("2026-12-02", 2),
        ("2026-12-03", 1),
        ("2026-12-10", 1),  # 23:00 UTC on the 9th is the 10th in Shanghai
    ]
    admin = (await client.get(f"{API}/stats/tickets?group_by=community", headers=auth(world.admin))).json()
    assert {g["label"]: g["total"] for g in admin["groups"]} == {"甲社区": 7, "乙社区": 1}


async def test_date_range_narrows_the_population(
    client: httpx.AsyncClient, world: World, dataset: dict[str, Any]
) -> None:
    r = await client.get(
        f"{API}/stats/tickets",
        params={"from": "2026-12-02T00:00:00+00:00", "to": "2026-12-03T00:00:00+00:00"},
        headers=auth(world.staff),
    )
    assert r.json()["overall"]["total"] == 2


async def test_stats_and_exports_are_for_staff_of_the_community(
    client: httpx.AsyncClient, world: World, dataset: dict[str, Any]
) -> None:
    assert (await client.get(f"{API}/stats/tickets", headers=auth(world.resident))).status_code == 403
    assert (await client.get(f"{API}/exports/tickets.csv", headers=auth(world.handler))).status_code == 403
    r = await client.get(
        f"{API}/stats/tickets?community_id={world.community.id}", headers=auth(world.other_staff)
    )
    assert r.status_code == 403
    theirs = (await client.get(f"{API}/stats/tickets", headers=auth(world.other_staff))).json()
    assert theirs["overall"]["total"] == 1


async def test_csv_export_has_chinese_headers_and_the_rows(
    client: httpx.AsyncClient, world: World, dataset: dict[str, Any]
) -> None:
    r = await client.get(f"{API}/exports/tickets.csv", headers=auth(world.staff))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["工单编号", "社区", "分类", "状态"]
    assert len(rows) == 1 + 7
    t1 = dataset["tickets"][0]
    first = next(row for row in rows if row[0] == t1.number)
    assert first[1:4] == ["甲社区", "照明", "已办结"]
    assert first[rows[0].index("评价")] == "满意"
    assert first[rows[0].index("提交时间")] == "2026-12-01 08:00"
    assert "13900001234" not in text

    only = await client.get(f"{API}/exports/tickets.csv?status=submitted", headers=auth(world.staff))
    assert len(list(csv.reader(io.StringIO(only.content.decode("utf-8-sig"))))) == 1 + 2


async def test_xlsx_export_opens_with_the_same_content(
    client: httpx.AsyncClient, world: World, dataset: dict[str, Any]
) -> None:
    r = await client.get(f"{API}/exports/tickets.xlsx", headers=auth(world.staff))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    ws = wb["工单"]
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[0][0] == "工单编号"
    assert len(rows) == 8
    assert {row[2] for row in rows[1:]} == {"照明", "供水"}
