"""Deadlines in working time across weekends and holidays, pauses, escalation and auto-close."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core import workdays as sla
from app.core.clock import SHANGHAI
from app.models.notifications import Notification
from app.tickets import deadlines
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket, move

API = "/api/v1"


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


async def _kinds(db: AsyncSession, user_id: object) -> list[str]:
    rows = await db.execute(select(Notification.kind).where(Notification.user_id == user_id))
    return list(rows.scalars())


def test_calendar_knows_national_day_2026_and_its_make_up_saturday() -> None:
    assert sla.is_workday(date(2026, 9, 30))
    assert not any(sla.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert sla.is_workday(date(2026, 10, 10))  # Saturday, a make-up working day
    assert not sla.is_workday(date(2026, 10, 11))


def test_years_past_the_calendar_fall_back_to_monday_to_friday_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sla.is_workday.cache_clear()
    sla._warned_years.discard(2031)
    with caplog.at_level(logging.WARNING, logger="linli.workdays"):
        assert sla.is_workday(date(2031, 1, 1))  # a Wednesday; the calendar does not know its holiday
        assert not sla.is_workday(date(2031, 1, 4))  # Saturday
    assert "fall back to Monday-Friday" in caplog.text


def test_working_hours_skip_nights_weekends_and_holidays() -> None:
    # Wednesday 30 Sep 16:00: 2 h that day, then the holiday week, then Thursday 8 Oct.
    assert sla.deadline(sh(2026, 9, 30, 16), 9, True) == sh(2026, 10, 8, 16)
    # Friday 17:00 + 3 h: 1 h Friday, 2 h Monday.
    assert sla.deadline(sh(2026, 11, 27, 17), 3, True) == sh(2026, 11, 30, 11)
    # Filed at night: the clock starts at 09:00.
    assert sla.deadline(sh(2026, 11, 24, 22), 2, True) == sh(2026, 11, 25, 11)
    # Wall clock ignores all that.
    assert sla.deadline(sh(2026, 11, 27, 17), 3, False) == sh(2026, 11, 27, 20)
    assert sla.between(sh(2026, 11, 27, 17), sh(2026, 11, 30, 10), True) == timedelta(hours=2)


async def _paused_and_resumed(
    client: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    *,
    accepted_at: datetime,
    resolve_hours: int,
    paused_at: datetime,
    resumed_at: datetime,
) -> tuple[datetime, datetime]:
    category = await make_category(db, world.community, resolve_within_hours=resolve_hours, working_time=True)
    clock.freeze(accepted_at)
    ticket = await make_ticket(db, category, world.resident)
    accepted = await move(client, ticket.id, "accept", world.staff)
    await move(client, ticket.id, "dispatch", world.staff, assignee_id=str(world.handler.id))
    clock.freeze(paused_at)
    await move(client, ticket.id, "request-info", world.handler, question="请补充照片")
    clock.freeze(resumed_at)
    resumed = await move(client, ticket.id, "provide-info", world.resident, answer="已补充")
    return datetime.fromisoformat(accepted["due_at"]), datetime.fromisoformat(resumed["due_at"])


async def test_pause_over_a_weekend_adds_back_only_the_working_hours_paused(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    before, after = await _paused_and_resumed(
        client,
        world,
        db,
        accepted_at=sh(2026, 11, 27, 15),  # Friday
        resolve_hours=9,
        paused_at=sh(2026, 11, 27, 17),
        resumed_at=sh(2026, 11, 30, 10),  # Monday
    )
    assert before == sh(2026, 11, 30, 15)
    # Paused 1 h on Friday and 1 h on Monday morning: the deadline moves by 2 working hours.
    assert after == sh(2026, 11, 30, 17)


async def test_pause_over_national_day_and_a_make_up_saturday(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    before, after = await _paused_and_resumed(
        client,
        world,
        db,
        accepted_at=sh(2026, 9, 29, 10),  # Tuesday
        resolve_hours=18,  # two working days
        paused_at=sh(2026, 9, 30, 17),
        resumed_at=sh(2026, 10, 10, 11),  # Saturday, a make-up working day
    )
    # 8 h on the 29th, 9 h on the 30th, the holiday week off, 1 h on Thursday 8 Oct.
    assert before == sh(2026, 10, 8, 10)
    # 2 working hours were left when paused; they run from Saturday 11:00.
    assert after == sh(2026, 10, 10, 13)


async def test_wall_clock_pause_adds_back_the_elapsed_time(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community, resolve_within_hours=24)
    clock.freeze(datetime(2026, 12, 4, 1, tzinfo=UTC))
    ticket = await make_ticket(db, category, world.resident)
    accepted = await move(client, ticket.id, "accept", world.staff)
    await move(client, ticket.id, "request-info", world.staff, question="哪一栋？")
    clock.advance(timedelta(days=2, hours=5))
    resumed = await move(client, ticket.id, "provide-info", world.resident, answer="7栋")
    assert resumed["status"] == "accepted"
    shift = datetime.fromisoformat(resumed["due_at"]) - datetime.fromisoformat(accepted["due_at"])
    assert shift == timedelta(days=2, hours=5)


async def test_overdue_tickets_escalate_to_the_community_then_the_street(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    category = await make_category(db, world.community, accept_within_hours=2, resolve_within_hours=4)
    ticket = await make_ticket(db, category, world.resident)
    await move(client, ticket.id, "accept", world.staff)
    await move(client, ticket.id, "dispatch", world.staff, assignee_id=str(world.handler.id))
    assert await deadlines.escalate_overdue(db, clock.now()) == 0

    clock.advance(timedelta(hours=4, minutes=1))
    assert await deadlines.escalate_overdue(db, clock.now()) == 1
    assert await deadlines.escalate_overdue(db, clock.now()) == 0  # idempotent
    detail = (await client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.staff))).json()
    assert detail["overdue"] is True
    assert detail["escalation_level"] == 1
    assert "ticket.overdue" in await _kinds(db, world.handler.id)
    assert "ticket.overdue" in await _kinds(db, world.staff.id)
    assert "ticket.overdue" not in await _kinds(db, world.admin.id)
    assert "ticket.overdue" not in await _kinds(db, world.other_staff.id)

    clock.advance(timedelta(hours=24))
    assert await deadlines.escalate_overdue(db, clock.now()) == 1
    assert "ticket.overdue" in await _kinds(db, world.admin.id)
    assert await deadlines.escalate_overdue(db, clock.now()) == 0
    detail = (await client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.staff))).json()
    assert detail["escalation_level"] == 2

    internal = (await client.get(f"{API}/tickets/{ticket.id}/events", headers=auth(world.staff))).json()
    assert [e["kind"] for e in internal].count("escalated") == 2
    public = (await client.get(f"{API}/tickets/{ticket.id}/events", headers=auth(world.resident))).json()
    assert "escalated" not in [e["kind"] for e in public]


async def test_unaccepted_ticket_escalates_after_accept_by_and_acceptance_starts_over(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    category = await make_category(db, world.community, accept_within_hours=2, resolve_within_hours=24)
    ticket = await make_ticket(db, category, world.resident)
    clock.advance(timedelta(hours=3))
    assert await deadlines.escalate_overdue(db, clock.now()) == 1
    overdue = (await client.get(f"{API}/tickets?overdue=true", headers=auth(world.staff))).json()
    assert [t["id"] for t in overdue["items"]] == [str(ticket.id)]
    accepted = await move(client, ticket.id, "accept", world.staff)
    assert accepted["overdue"] is False
    assert accepted["escalation_level"] == 0


async def test_approved_extension_clears_overdue(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    category = await make_category(db, world.community, resolve_within_hours=4)
    ticket = await make_ticket(db, category, world.resident)
    await move(client, ticket.id, "accept", world.staff)
    await move(client, ticket.id, "dispatch", world.staff, assignee_id=str(world.handler.id))
    await move(client, ticket.id, "start", world.handler)
    clock.advance(timedelta(hours=5))
    await deadlines.escalate_overdue(db, clock.now())
    until = clock.now() + timedelta(days=2)
    ext = await move(client, ticket.id, "extend", world.handler, until=until.isoformat(), reason="等配件")
    approved = await move(client, ticket.id, f"extensions/{ext['id']}/approve", world.staff)
    assert approved["overdue"] is False
    assert approved["escalation_level"] == 0


async def test_paused_tickets_do_not_go_overdue(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    category = await make_category(db, world.community, accept_within_hours=2)
    ticket = await make_ticket(db, category, world.resident)
    await move(client, ticket.id, "request-info", world.staff, question="地址？")
    clock.advance(timedelta(days=3))
    assert await deadlines.escalate_overdue(db, clock.now()) == 0


async def test_resolved_tickets_unrated_for_seven_days_close_without_a_rating(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    category = await make_category(db, world.community)
    ticket = await make_ticket(db, category, world.resident)
    rated = await make_ticket(db, category, world.neighbour)
    for t in (ticket, rated):
        await move(client, t.id, "accept", world.staff)
        await move(client, t.id, "dispatch", world.staff, assignee_id=str(world.handler.id))
        await move(client, t.id, "start", world.handler)
        await move(client, t.id, "resolve", world.handler, reply="已处理")
    await move(client, rated.id, "evaluate", world.neighbour, rating="satisfied")

    clock.advance(timedelta(days=6, hours=23))
    assert await deadlines.auto_close_resolved(db, clock.now()) == 0
    clock.advance(timedelta(hours=2))
    assert await deadlines.auto_close_resolved(db, clock.now()) == 1
    assert await deadlines.auto_close_resolved(db, clock.now()) == 0
    detail = (await client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.resident))).json()
    assert detail["status"] == "closed"
    assert detail["rating"] is None
    late = await client.post(
        f"{API}/tickets/{ticket.id}/evaluate", json={"rating": "satisfied"}, headers=auth(world.resident)
    )
    assert late.status_code == 409


def test_jobs_are_declared_for_the_worker() -> None:
    from app.core.periodic import load_all

    jobs = load_all()
    assert "tickets.escalate_overdue" in jobs
    assert "tickets.auto_close_resolved" in jobs
