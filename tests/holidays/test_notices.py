"""Point 7: the working calendar past 2026 — admins enter a year's official notice; deadlines follow it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import chinese_calendar
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, workdays
from app.holidays import service
from app.identity.service import staff_and_admins
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from tests.support.factories import World, auth
from tests.support.tickets import make_category

API = "/api/v1"
SHANGHAI_10AM_FEB_4_2027 = datetime(2027, 2, 4, 2, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture(autouse=True)
def _calendar_reset() -> Iterator[None]:
    """The calendar's notices are process-wide: every test starts and ends without any."""
    workdays.set_notices([])
    yield
    workdays.set_notices([])


def made_up_2027() -> dict[str, Any]:
    """A made-up arrangement (the real one is not out yet): Spring Festival 5–11 Feb, Saturday 13th worked."""
    return {
        "title": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
        "document_no": "国办发明电〔2026〕99号",
        "holidays": [
            {"name": "元旦", "first": "2027-01-01", "last": "2027-01-03"},
            {"name": "春节", "first": "2027-02-05", "last": "2027-02-11", "workdays": ["2027-02-13"]},
        ],
    }


async def _ticket_due(client: httpx.AsyncClient, world: World, category_id: object) -> datetime:
    """Post a ticket and have staff accept it now; the resolve deadline it gets."""
    r = await client.post(
        f"{API}/tickets",
        json={"category_id": str(category_id), "description": "楼道灯坏了"},
        headers=auth(world.resident),
    )
    assert r.status_code == 201, r.text
    accepted = await client.post(f"{API}/tickets/{r.json()['id']}/accept", headers=auth(world.staff))
    assert accepted.status_code == 200, accepted.text
    return datetime.fromisoformat(accepted.json()["due_at"])


async def test_a_2027_notice_moves_a_ticket_deadline_across_spring_festival(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    # 18 working hours from Thursday 4 Feb 2027, 10:00 Shanghai.
    category = await make_category(db, world.community, resolve_within_hours=18, working_time=True)
    await db.flush()
    clock.freeze(SHANGHAI_10AM_FEB_4_2027)
    assert workdays.source_of(2027) == "weekdays"  # chinese_calendar stops at 2026
    # Without a notice: Mon–Fri — Thu 8 h, Fri 9 h, Mon 1 h → Monday 8 Feb, 10:00 (in the holiday!).
    before = await _ticket_due(client, world, category.id)
    assert before == datetime(2027, 2, 8, 2, 0, tzinfo=UTC)

    r = await client.put(f"{API}/holiday-notices/2027", json=made_up_2027(), headers=auth(world.admin))
    assert r.status_code == 200, r.text
    assert r.json()["holidays"] == 10
    assert r.json()["workdays"] == 1
    assert workdays.source_of(2027) == "notice"  # in force in this process as soon as it committed

    # With it: Thu 8 h, (5–11 off), Fri 12th 9 h, Saturday 13th (make-up day) 1 h → 13 Feb, 10:00.
    after = await _ticket_due(client, world, category.id)
    assert after == datetime(2027, 2, 13, 2, 0, tzinfo=UTC)
    assert workdays.add_workdays(date(2027, 2, 4), 3) == date(2027, 2, 15)  # 12th, 13th, 15th

    # Withdrawn: back to Monday–Friday.
    gone = await client.delete(f"{API}/holiday-notices/2027", headers=auth(world.admin))
    assert gone.status_code == 204
    assert workdays.add_workdays(date(2027, 2, 4), 3) == date(2027, 2, 9)
    actions = (
        await db.execute(select(AuditEntry.action).where(AuditEntry.target_type == "holiday_notice"))
    ).scalars()
    assert sorted(actions) == ["holiday_notice.enter", "holiday_notice.remove"]


async def test_a_notice_takes_precedence_over_the_package(client: httpx.AsyncClient, world: World) -> None:
    # 2026-10-09 (Friday) is an ordinary working day for chinese_calendar; a (made-up) correction says off.
    assert workdays.is_workday(date(2026, 10, 9))
    body = {
        "title": "2026 更正（测试）",
        "holidays": [{"name": "国庆节", "first": "2026-10-01", "last": "2026-10-09"}],
    }
    r = await client.put(f"{API}/holiday-notices/2026", json=body, headers=auth(world.admin))
    assert r.status_code == 200, r.text
    assert not workdays.is_workday(date(2026, 10, 9))
    # A year with a notice follows it exactly: a make-up Saturday the package knows is no longer worked.
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert not workdays.is_workday(date(2026, 10, 10))


async def test_replacing_reads_back_and_is_audited(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    assert (
        await client.put(f"{API}/holiday-notices/2027", json=made_up_2027(), headers=auth(world.admin))
    ).status_code == 200
    fixed = made_up_2027()
    fixed["holidays"][1]["last"] = "2027-02-12"
    r = await client.put(f"{API}/holiday-notices/2027", json=fixed, headers=auth(world.admin))
    assert r.status_code == 200
    got = await client.get(f"{API}/holiday-notices/2027", headers=auth(world.staff))
    assert got.status_code == 200
    days = {d["day"]: (d["kind"], d["name"]) for d in got.json()["days"]}
    assert days["2027-02-12"] == ("holiday", "春节")
    assert days["2027-02-13"] == ("workday", "春节")
    assert len(days) == 12
    listed = await client.get(f"{API}/holiday-notices", headers=auth(world.staff))
    assert [n["year"] for n in listed.json()["items"]] == [2027]
    entry = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "holiday_notice.replace"))
    ).scalar_one()
    assert entry.actor_id == world.admin.id
    assert entry.detail["holidays_before"] == 10
    assert entry.detail["holidays"] == 11


async def test_only_admins_enter_and_bad_notices_are_refused(client: httpx.AsyncClient, world: World) -> None:
    url = f"{API}/holiday-notices/2027"
    assert (await client.put(url, json=made_up_2027(), headers=auth(world.staff))).status_code == 403
    assert (await client.put(url, json=made_up_2027(), headers=auth(world.resident))).status_code == 403
    assert (await client.get(url, headers=auth(world.resident))).status_code == 403
    missing = await client.get(url, headers=auth(world.staff))
    assert missing.status_code == 404
    assert missing.json()["code"] == "holiday_notice_not_found"
    assert (await client.delete(url, headers=auth(world.admin))).status_code == 404

    def bad(**festival: Any) -> dict[str, Any]:
        return {
            "title": "坏通知",
            "holidays": [{"name": "春节", "first": "2027-02-05", "last": "2027-02-11"} | festival],
        }

    for body in (
        bad(last="2027-02-01"),  # ends before it starts
        bad(first="2026-12-31"),  # another year
        bad(workdays=["2027-02-15"]),  # a Monday is not a make-up working day
        bad(workdays=["2027-02-06"]),  # both off and worked
        bad(last="2027-03-30"),  # absurdly long
    ):
        r = await client.put(url, json=body, headers=auth(world.admin))
        assert r.status_code == 422, (body, r.text)
        assert r.json()["code"] == "holiday_notice_invalid"
    hostile = made_up_2027() | {"title": "通知\x00"}
    assert (await client.put(url, json=hostile, headers=auth(world.admin))).status_code == 422
    assert (
        await client.put(f"{API}/holiday-notices/1999", json=made_up_2027(), headers=auth(world.admin))
    ).status_code == 422


async def test_from_1_december_staff_and_readyz_are_warned_once(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    clock.freeze(datetime(2026, 11, 30, 4, 0, tzinfo=UTC))
    assert (await client.get(f"{API}/calendar/status", headers=auth(world.staff))).json()["warning"] is None
    assert "calendar" not in (await client.get("/readyz")).json()

    clock.freeze(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    status = (await client.get(f"{API}/calendar/status", headers=auth(world.staff))).json()
    assert "2027" in status["warning"]
    assert {"year": 2027, "source": "weekdays"} in status["years"]
    ready = await client.get("/readyz")
    assert ready.status_code == 200  # a detail, not a failure
    assert ready.json()["calendar"]["next_year"] == 2027

    recipients = await staff_and_admins(db)
    assert world.staff.id in recipients
    assert world.admin.id in recipients
    assert await service.warn_if_next_year_unknown(db, clock.now(), recipients) == len(recipients)
    assert await service.warn_if_next_year_unknown(db, clock.now(), recipients) == 0  # once
    told = await db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == "calendar.next_year_unknown")
    )
    assert told == len(recipients)

    # Entered: the warning goes away everywhere.
    assert (
        await client.put(f"{API}/holiday-notices/2027", json=made_up_2027(), headers=auth(world.admin))
    ).status_code == 200
    assert (await client.get(f"{API}/calendar/status", headers=auth(world.staff))).json()["warning"] is None
    assert "calendar" not in (await client.get("/readyz")).json()
