"""Each refusal of a merge or an extension has its own code (issue #11 renamed the misnamed ones)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket, move

API = "/api/v1"


async def test_merge_refusals_say_why(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    category = await make_category(db, world.community)
    ticket = await make_ticket(db, category, world.resident)
    closed = await make_ticket(db, category, world.neighbour)
    await move(client, closed.id, "reject", world.staff, reason="重复")

    async def merge(into: object) -> httpx.Response:
        return await client.post(
            f"{API}/tickets/{ticket.id}/merge", json={"into_id": str(into)}, headers=auth(world.staff)
        )

    itself = await merge(ticket.id)
    assert (itself.status_code, itself.json()["code"]) == (422, "merge_into_itself")
    finished = await merge(closed.id)
    assert (finished.status_code, finished.json()["code"]) == (409, "merge_target_closed")
    assert finished.json()["current_status"] == "rejected"
    other = await make_ticket(db, await make_category(db, world.other_community), world.other_resident)
    foreign = await merge(other.id)
    assert (foreign.status_code, foreign.json()["code"]) == (422, "merge_target_invalid")


async def test_extension_refusals_say_why(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    clock.freeze(clock.now())
    ticket = await make_ticket(db, await make_category(db, world.community), world.resident)
    await move(client, ticket.id, "accept", world.staff)
    body = await move(client, ticket.id, "dispatch", world.staff, assignee_id=str(world.handler.id))

    async def extend(until: object) -> httpx.Response:
        return await client.post(
            f"{API}/tickets/{ticket.id}/extend",
            json={"until": str(until), "reason": "等配件"},
            headers=auth(world.handler),
        )

    early = await extend(body["due_at"])
    assert (early.status_code, early.json()["code"]) == (422, "extension_until_too_early")
    assert (await extend((clock.now() + timedelta(days=9)).isoformat())).status_code == 201
    again = await extend((clock.now() + timedelta(days=10)).isoformat())
    assert (again.status_code, again.json()["code"]) == (409, "extension_pending")
