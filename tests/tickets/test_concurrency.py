"""Concurrent moves on one ticket are serialised by its row lock: exactly one wins."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.tickets import TicketEvent
from tests.support.factories import auth, make_world
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"


async def test_twenty_parallel_accepts_and_dispatches_leave_one_transition_each(
    live_client: httpx.AsyncClient, live_db: AsyncSession
) -> None:
    world = await make_world(live_db)
    category = await make_category(live_db, world.community)
    ticket = await make_ticket(live_db, category, world.resident)
    await live_db.commit()

    accepts = await asyncio.gather(
        *[live_client.post(f"{API}/tickets/{ticket.id}/accept", headers=auth(world.staff)) for _ in range(20)]
    )
    codes = sorted(r.status_code for r in accepts)
    assert codes.count(200) == 1, [r.text for r in accepts if r.status_code not in (200, 409)]
    assert codes.count(409) == 19
    assert all(r.json()["current_status"] == "accepted" for r in accepts if r.status_code == 409)

    dispatches = await asyncio.gather(
        *[
            live_client.post(
                f"{API}/tickets/{ticket.id}/dispatch",
                json={"assignee_id": str(world.handler.id)},
                headers=auth(world.staff),
            )
            for _ in range(20)
        ]
    )
    assert sorted(r.status_code for r in dispatches).count(200) == 1
    assert sum(r.status_code == 409 for r in dispatches) == 19

    kinds = list(
        (
            await live_db.execute(
                select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.seq)
            )
        ).scalars()
    )
    assert kinds == ["submitted", "accepted", "dispatched"]
    detail = (await live_client.get(f"{API}/tickets/{ticket.id}", headers=auth(world.staff))).json()
    assert detail["status"] == "dispatched"
    assert detail["assignee_id"] == str(world.handler.id)
