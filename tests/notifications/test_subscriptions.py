"""One-time subscribe-message grants, and notify() queuing a WeChat send only when one is left."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.notifications import Delivery, SubscribeGrant
from app.notifications.service import SEND_TASK
from tests.support.factories import World, auth
from tests.support.notifications import give_grants, make_notification

API = "/api/v1"
TICKET_TEMPLATE = "demo-ticket-progress"


def _remaining(body: dict, template_id: str) -> int:  # type: ignore[type-arg]
    return next(t["remaining"] for t in body["templates"] if t["template_id"] == template_id)


async def test_each_accept_adds_one_grant(client: httpx.AsyncClient, world: World) -> None:
    h = auth(world.resident)
    before = (await client.get(f"{API}/subscriptions", headers=h)).json()
    assert _remaining(before, TICKET_TEMPLATE) == 0
    assert "ticket.*" in next(t for t in before["templates"] if t["template_id"] == TICKET_TEMPLATE)["kinds"]

    r = await client.post(f"{API}/subscriptions", json={"template_ids": [TICKET_TEMPLATE]}, headers=h)
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/subscriptions",
        json={"template_ids": [TICKET_TEMPLATE, TICKET_TEMPLATE, "demo-booking-notice"]},
        headers=h,
    )
    body = r.json()
    assert _remaining(body, TICKET_TEMPLATE) == 2  # a template is accepted at most once per request
    assert _remaining(body, "demo-booking-notice") == 1


async def test_replayed_grant_request_counts_once(client: httpx.AsyncClient, world: World) -> None:
    h = auth(world.resident) | {"Idempotency-Key": "grant-1"}
    for _ in range(2):
        r = await client.post(f"{API}/subscriptions", json={"template_ids": [TICKET_TEMPLATE]}, headers=h)
        assert r.status_code == 201
    assert _remaining(r.json(), TICKET_TEMPLATE) == 1


async def test_unknown_template_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/subscriptions", json={"template_ids": ["not-ours"]}, headers=auth(world.resident)
    )
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_template"
    empty = await client.post(f"{API}/subscriptions", json={"template_ids": []}, headers=auth(world.resident))
    assert empty.status_code == 422


async def test_grants_are_per_user(client: httpx.AsyncClient, world: World) -> None:
    await client.post(
        f"{API}/subscriptions", json={"template_ids": [TICKET_TEMPLATE]}, headers=auth(world.resident)
    )
    other = (await client.get(f"{API}/subscriptions", headers=auth(world.neighbour))).json()
    assert _remaining(other, TICKET_TEMPLATE) == 0


async def _queued_sends(db: AsyncSession) -> int:
    return int(
        (
            await db.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t"), {"t": SEND_TASK}
            )
        ).scalar_one()
    )


async def test_notify_with_a_grant_queues_one_delivery_in_the_same_transaction(
    db: AsyncSession, world: World
) -> None:
    await give_grants(db, world.resident, TICKET_TEMPLATE, 2)
    before = await _queued_sends(db)
    note = await make_notification(db, world.resident, kind="ticket.resolved", title="您的工单已办结")
    delivery = (await db.execute(select(Delivery).where(Delivery.notification_id == note.id))).scalar_one()
    assert delivery.template_id == TICKET_TEMPLATE
    assert delivery.status == "pending"
    assert await _queued_sends(db) == before + 1
    # notify() itself spends nothing: the sender spends the grant when it sends.
    grant = await db.get(SubscribeGrant, (world.resident.id, TICKET_TEMPLATE))
    assert grant is not None
    assert grant.remaining == 2


async def test_notify_without_a_grant_or_template_is_inbox_only(db: AsyncSession, world: World) -> None:
    before = await _queued_sends(db)
    await make_notification(db, world.resident, kind="ticket.resolved")  # no grant
    await give_grants(db, world.resident, TICKET_TEMPLATE, 1)
    await make_notification(db, world.resident, kind="identity.invitation_accepted")  # no template
    count = await db.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.user_id == world.resident.id)
    )
    assert count == 0
    assert await _queued_sends(db) == before
