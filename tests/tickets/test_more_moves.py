"""More edges of the state machine: department dispatch, refused extensions, merged reporters, 404s."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import Role
from tests.support.factories import World, auth, make_user
from tests.support.tickets import make_category, make_ticket, move

API = "/api/v1"


async def test_any_handler_of_the_department_signs_and_then_owns_it(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    colleague = await make_user(
        db, name="孙师傅", community=world.community, roles=[(Role.handler, world.department)]
    )
    ticket = await make_ticket(db, await make_category(db, world.community), world.resident)
    await move(client, ticket.id, "accept", world.staff)
    await move(client, ticket.id, "dispatch", world.staff, department_id=str(world.department.id))
    signed = await move(client, ticket.id, "start", colleague)
    assert signed["assignee_id"] == str(colleague.id)
    r = await client.post(
        f"{API}/tickets/{ticket.id}/return", json={"reason": "x"}, headers=auth(world.handler)
    )
    assert r.status_code == 403


async def test_refused_extension_keeps_the_deadline(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(clock.now())
    ticket = await make_ticket(db, await make_category(db, world.community), world.resident)
    await move(client, ticket.id, "accept", world.staff)
    body = await move(client, ticket.id, "dispatch", world.staff, assignee_id=str(world.handler.id))
    until = clock.now() + timedelta(days=5)
    ext = await move(client, ticket.id, "extend", world.handler, until=until.isoformat(), reason="等待审批")
    refused = await move(client, ticket.id, f"extensions/{ext['id']}/reject", world.staff)
    assert refused["due_at"] == body["due_at"]
    early = await client.post(
        f"{API}/tickets/{ticket.id}/extend",
        json={"until": clock.now().isoformat(), "reason": "x"},
        headers=auth(world.handler),
    )
    assert early.status_code == 422
    assert early.json()["code"] == "extension_until_too_early"
    unknown = await client.post(
        f"{API}/tickets/{ticket.id}/extensions/00000000-0000-0000-0000-000000000000/approve",
        headers=auth(world.staff),
    )
    assert unknown.status_code == 404


async def test_reporter_of_a_merged_ticket_sees_where_it_went(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    survivor = await make_ticket(db, category, world.resident)
    duplicate = await make_ticket(db, category, world.neighbour)
    await move(client, duplicate.id, "merge", world.staff, into_id=str(survivor.id))
    mine = (await client.get(f"{API}/tickets/{duplicate.id}", headers=auth(world.neighbour))).json()
    assert mine["status"] == "merged"
    assert mine["merged_into_id"] == str(survivor.id)
    events = (await client.get(f"{API}/tickets/{duplicate.id}/events", headers=auth(world.neighbour))).json()
    assert events[-1]["kind"] == "merged"
    # The survivor is someone else's: still not visible to the neighbour.
    assert (
        await client.get(f"{API}/tickets/{survivor.id}", headers=auth(world.neighbour))
    ).status_code == 404


async def test_unknown_ticket_is_404_for_every_move(client: httpx.AsyncClient, world: World) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert (await client.get(f"{API}/tickets/{missing}", headers=auth(world.staff))).status_code == 404
    assert (
        await client.post(f"{API}/tickets/{missing}/accept", headers=auth(world.staff))
    ).status_code == 404
    r = await client.post(
        f"{API}/tickets/{missing}/comments", json={"body": "x"}, headers=auth(world.resident)
    )
    assert r.status_code == 404
    assert (await client.get(f"{API}/tickets/not-a-uuid", headers=auth(world.staff))).status_code == 422


async def test_unauthenticated_calls_are_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/tickets")).status_code == 401
    assert (await client.get(f"{API}/ticket-categories")).status_code == 401
