"""The state machine: every move by its role from its states, the timeline and the notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.notifications import Notification
from app.models.tickets import Ticket, TicketCategory
from tests.support.factories import World, auth, make_user
from tests.support.tickets import make_category, make_ticket, move

API = "/api/v1"


@pytest.fixture
async def category(db: AsyncSession, world: World) -> TicketCategory:
    return await make_category(db, world.community, accept_within_hours=2, resolve_within_hours=24)


@pytest.fixture
async def ticket(db: AsyncSession, world: World, category: TicketCategory) -> Ticket:
    return await make_ticket(db, category, world.resident)


async def _kinds(db: AsyncSession, user_id: object) -> list[str]:
    rows = await db.execute(select(Notification.kind).where(Notification.user_id == user_id))
    return list(rows.scalars())


async def _dispatched(
    client: httpx.AsyncClient, world: World, ticket: Ticket, **body: object
) -> dict[str, object]:
    await move(client, ticket.id, "accept", world.staff)
    return await move(  # type: ignore[no-any-return]
        client, ticket.id, "dispatch", world.staff, department_id=str(world.department.id), **body
    )


async def test_app_ticket_lives_from_submission_to_a_satisfied_rating(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    category = await make_category(db, world.community, resolve_within_hours=24)
    created = await client.post(
        f"{API}/tickets",
        json={"category_id": str(category.id), "description": "电梯困人，请尽快处理"},
        headers=auth(world.resident),
    )
    tid = created.json()["id"]

    accepted = await move(client, tid, "accept", world.staff)
    assert accepted["status"] == "accepted"
    assert datetime.fromisoformat(accepted["due_at"]) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)

    clock.advance(timedelta(minutes=10))
    dispatched = await move(client, tid, "dispatch", world.staff, department_id=str(world.department.id))
    assert dispatched["status"] == "dispatched"
    assert dispatched["department_id"] == str(world.department.id)
    assert dispatched["due_at"] == accepted["due_at"]  # the SLA clock started at acceptance

    started = await move(client, tid, "start", world.handler)
    assert started["status"] == "in_progress"
    assert started["assignee_id"] == str(world.handler.id)

    resolved = await move(client, tid, "resolve", world.handler, reply="已修复电梯并安抚住户")
    assert resolved["status"] == "resolved"
    assert resolved["reply"] == "已修复电梯并安抚住户"

    rated = await move(client, tid, "evaluate", world.resident, rating="satisfied", comment="很及时")
    assert rated["status"] == "closed"
    assert rated["rating"] == "satisfied"

    events = (await client.get(f"{API}/tickets/{tid}/events", headers=auth(world.resident))).json()
    assert [e["kind"] for e in events] == [
        "submitted",
        "accepted",
        "dispatched",
        "started",
        "resolved",
        "evaluated",
    ]
    assert events[1]["actor"]["name"] == "王社工"

    assert await _kinds(db, world.resident.id) == ["ticket.accepted", "ticket.resolved"]
    assert await _kinds(db, world.handler.id) == ["ticket.dispatched"]


async def test_hotline_ticket_for_an_unknown_caller_is_rated_by_staff_on_the_callback(
    client: httpx.AsyncClient, world: World, db: AsyncSession, category: TicketCategory
) -> None:
    r = await client.post(
        f"{API}/tickets",
        json={
            "category_id": str(category.id),
            "channel": "hotline",
            "description": "小区门口垃圾堆积",
            "caller_name": "李先生",
            "caller_phone": "13711112222",
        },
        headers=auth(world.staff),
    )
    tid = r.json()["id"]
    await move(client, tid, "accept", world.staff)
    await move(client, tid, "dispatch", world.staff, assignee_id=str(world.handler.id))
    await move(client, tid, "start", world.handler)
    await move(client, tid, "resolve", world.handler, reply="已清运")
    rated = await move(client, tid, "evaluate", world.staff, rating="basically_satisfied")
    assert rated["status"] == "closed"


async def test_walk_in_ticket_is_rejected_with_a_reason(
    client: httpx.AsyncClient, world: World, category: TicketCategory
) -> None:
    r = await client.post(
        f"{API}/tickets",
        json={
            "category_id": str(category.id),
            "channel": "walk_in",
            "description": "邻居装修噪音",
            "on_behalf_of": str(world.neighbour.id),
        },
        headers=auth(world.staff),
    )
    tid = r.json()["id"]
    rejected = await move(client, tid, "reject", world.staff, reason="属于民事纠纷，请联系人民调解委员会")
    assert rejected["status"] == "rejected"
    assert rejected["reject_reason"].startswith("属于民事纠纷")
    again = await client.post(f"{API}/tickets/{tid}/accept", headers=auth(world.staff))
    assert again.status_code == 409


async def test_invalid_transition_is_409_with_the_current_state(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    r = await client.post(
        f"{API}/tickets/{ticket.id}/dispatch",
        json={"department_id": str(world.department.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "invalid_transition"
    assert body["current_status"] == "submitted"

    await move(client, ticket.id, "accept", world.staff)
    twice = await client.post(f"{API}/tickets/{ticket.id}/accept", headers=auth(world.staff))
    assert twice.status_code == 409
    assert twice.json()["current_status"] == "accepted"

    rate = await client.post(
        f"{API}/tickets/{ticket.id}/evaluate", json={"rating": "satisfied"}, headers=auth(world.resident)
    )
    assert rate.status_code == 409


async def test_resident_cannot_accept_or_dispatch(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    assert (
        await client.post(f"{API}/tickets/{ticket.id}/accept", headers=auth(world.resident))
    ).status_code == 403
    r = await client.post(
        f"{API}/tickets/{ticket.id}/dispatch",
        json={"department_id": str(world.department.id)},
        headers=auth(world.resident),
    )
    assert r.status_code == 403


async def test_other_communitys_staff_get_404(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    assert (
        await client.post(f"{API}/tickets/{ticket.id}/accept", headers=auth(world.other_staff))
    ).status_code == 404
    assert (
        await client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.other_staff))
    ).status_code == 404
    assert (await client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.neighbour))).status_code == 404
    assert (
        await client.get(f"{API}/tickets/{ticket.id}/events", headers=auth(world.neighbour))
    ).status_code == 404


async def test_handler_of_another_department_cannot_see_or_start_it(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    await _dispatched(client, world, ticket)
    r = await client.post(f"{API}/tickets/{ticket.id}/start", headers=auth(world.other_handler))
    assert r.status_code == 404


async def test_handler_cannot_resolve_a_ticket_assigned_to_a_colleague(
    client: httpx.AsyncClient, world: World, db: AsyncSession, ticket: Ticket
) -> None:
    from app.models.identity import Role

    colleague = await make_user(
        db, name="孙师傅", community=world.community, roles=[(Role.handler, world.department)]
    )
    await _dispatched(client, world, ticket, assignee_id=str(colleague.id))
    await move(client, ticket.id, "start", colleague)
    r = await client.post(
        f"{API}/tickets/{ticket.id}/resolve", json={"reply": "x"}, headers=auth(world.handler)
    )
    assert r.status_code == 403
    assert r.json()["code"] == "not_ticket_handler"


async def test_staff_cannot_start_a_ticket(client: httpx.AsyncClient, world: World, ticket: Ticket) -> None:
    await _dispatched(client, world, ticket)
    assert (
        await client.post(f"{API}/tickets/{ticket.id}/start", headers=auth(world.staff))
    ).status_code == 403


async def test_dispatch_to_another_communitys_department_or_handler_is_422(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    await move(client, ticket.id, "accept", world.staff)
    r = await client.post(
        f"{API}/tickets/{ticket.id}/dispatch",
        json={"department_id": str(world.other_department.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 422
    r = await client.post(
        f"{API}/tickets/{ticket.id}/dispatch",
        json={"assignee_id": str(world.other_handler.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_assignee"
    r = await client.post(f"{API}/tickets/{ticket.id}/dispatch", json={}, headers=auth(world.staff))
    assert r.status_code == 422


async def test_dispatch_with_an_explicit_deadline(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    due = (clock.now() + timedelta(hours=5)).replace(microsecond=0)
    body = await _dispatched(client, world, ticket, due_at=due.isoformat())
    assert datetime.fromisoformat(str(body["due_at"])) == due


async def test_handler_returns_the_ticket_to_the_dispatcher(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    await _dispatched(client, world, ticket)
    await move(client, ticket.id, "start", world.handler)
    back = await move(client, ticket.id, "return", world.handler, reason="不属于物业管辖范围")
    assert back["status"] == "accepted"
    assert back["assignee_id"] is None
    # The handler no longer sees it; staff can dispatch again.
    assert (await client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.handler))).status_code == 404
    again = await move(client, ticket.id, "dispatch", world.staff, department_id=str(world.department.id))
    assert again["status"] == "dispatched"


async def test_unsatisfied_rating_reopens_with_a_higher_priority(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    await _dispatched(client, world, ticket)
    await move(client, ticket.id, "start", world.handler)
    await move(client, ticket.id, "resolve", world.handler, reply="已处理")
    reopened = await move(
        client, ticket.id, "evaluate", world.resident, rating="unsatisfied", comment="灯还是不亮"
    )
    assert reopened["status"] == "accepted"
    assert reopened["priority"] == 1
    assert reopened["rating"] == "unsatisfied"


async def test_only_the_reporter_rates(client: httpx.AsyncClient, world: World, ticket: Ticket) -> None:
    await _dispatched(client, world, ticket)
    await move(client, ticket.id, "start", world.handler)
    await move(client, ticket.id, "resolve", world.handler, reply="已处理")
    r = await client.post(
        f"{API}/tickets/{ticket.id}/evaluate", json={"rating": "satisfied"}, headers=auth(world.handler)
    )
    assert r.status_code == 403
    r = await client.post(
        f"{API}/tickets/{ticket.id}/evaluate", json={"rating": "great"}, headers=auth(world.resident)
    )
    assert r.status_code == 422


async def test_extension_asked_by_the_handler_and_approved_by_staff(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    body = await _dispatched(client, world, ticket)
    await move(client, ticket.id, "start", world.handler)
    until = datetime.fromisoformat(str(body["due_at"])) + timedelta(days=3)
    ext = await move(
        client, ticket.id, "extend", world.handler, until=until.isoformat(), reason="需要采购配件"
    )
    assert ext["status"] == "pending"
    dup = await client.post(
        f"{API}/tickets/{ticket.id}/extend",
        json={"until": until.isoformat(), "reason": "again"},
        headers=auth(world.handler),
    )
    assert dup.status_code == 409
    # The handler cannot approve their own request.
    assert (
        await client.post(
            f"{API}/tickets/{ticket.id}/extensions/{ext['id']}/approve", headers=auth(world.handler)
        )
    ).status_code == 403
    approved = await move(client, ticket.id, f"extensions/{ext['id']}/approve", world.staff)
    assert datetime.fromisoformat(approved["due_at"]) == until
    twice = await client.post(
        f"{API}/tickets/{ticket.id}/extensions/{ext['id']}/approve", headers=auth(world.staff)
    )
    assert twice.status_code == 409


async def test_request_info_pauses_and_provide_info_resumes(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    clock.freeze(clock.now())
    body = await _dispatched(client, world, ticket)
    due = datetime.fromisoformat(str(body["due_at"]))
    paused = await move(client, ticket.id, "request-info", world.handler, question="请问具体是几楼？")
    assert paused["status"] == "pending_info"
    assert paused["overdue"] is False
    clock.advance(timedelta(hours=3))
    # Only the reporter answers.
    r = await client.post(
        f"{API}/tickets/{ticket.id}/provide-info", json={"answer": "x"}, headers=auth(world.handler)
    )
    assert r.status_code == 403
    resumed = await move(client, ticket.id, "provide-info", world.resident, answer="5楼")
    assert resumed["status"] == "dispatched"
    assert datetime.fromisoformat(resumed["due_at"]) - due == timedelta(hours=3)


async def test_merge_closes_the_duplicate_and_tells_its_reporter(
    client: httpx.AsyncClient, world: World, db: AsyncSession, category: TicketCategory, ticket: Ticket
) -> None:
    duplicate = await make_ticket(db, category, world.neighbour, description="楼道灯也坏了")
    merged = await move(client, duplicate.id, "merge", world.staff, into_id=str(ticket.id))
    assert merged["status"] == "merged"
    assert merged["merged_into_id"] == str(ticket.id)
    assert "ticket.merged" in await _kinds(db, world.neighbour.id)
    again = await client.post(
        f"{API}/tickets/{duplicate.id}/merge", json={"into_id": str(ticket.id)}, headers=auth(world.staff)
    )
    assert again.status_code == 409
    itself = await client.post(
        f"{API}/tickets/{ticket.id}/merge", json={"into_id": str(ticket.id)}, headers=auth(world.staff)
    )
    assert itself.status_code == 422


async def test_merge_into_another_communitys_ticket_is_refused(
    client: httpx.AsyncClient, world: World, db: AsyncSession, ticket: Ticket
) -> None:
    other = await make_ticket(db, await make_category(db, world.other_community), world.other_resident)
    r = await client.post(
        f"{API}/tickets/{ticket.id}/merge", json={"into_id": str(other.id)}, headers=auth(world.staff)
    )
    assert r.status_code == 422


async def test_internal_notes_and_staff_phones_are_hidden_from_residents(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    await _dispatched(client, world, ticket)
    note = await move(
        client, ticket.id, "comments", world.staff, body="住户情绪激动，注意沟通", internal=True
    )
    assert note["visibility"] == "internal"
    await move(client, ticket.id, "comments", world.resident, body="谢谢，请尽快")
    staff_view = (await client.get(f"{API}/tickets/{ticket.id}/events", headers=auth(world.staff))).json()
    assert "住户情绪激动，注意沟通" in [e["body"] for e in staff_view]
    handler_view = (await client.get(f"{API}/tickets/{ticket.id}/events", headers=auth(world.handler))).json()
    assert "住户情绪激动，注意沟通" in [e["body"] for e in handler_view]
    r = await client.get(f"{API}/tickets/{ticket.id}/events", headers=auth(world.resident))
    assert "住户情绪激动" not in r.text
    assert world.staff.phone
    assert world.staff.phone not in r.text
    assert all(e["visibility"] == "public" for e in r.json())
    detail = await client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.resident))
    assert world.staff.phone not in detail.text


async def test_resident_cannot_write_internal_notes(
    client: httpx.AsyncClient, world: World, ticket: Ticket
) -> None:
    r = await client.post(
        f"{API}/tickets/{ticket.id}/comments",
        json={"body": "x", "internal": True},
        headers=auth(world.resident),
    )
    assert r.status_code == 403
