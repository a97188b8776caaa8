"""Issue #18 point 1: nobody mints time-bank minutes with a self-declared age; subsidy budgets hold."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.ledger import Asset
from app.models.platform import AuditEntry
from app.models.volunteering import SubsidyUsage
from tests.support.bookings import at, make_service, make_slot
from tests.support.factories import World, auth, make_user, make_world
from tests.support.ledger import assert_ledger_ok, wallet_balance

API = "/api/v1"
M = f"{API}/mutual-aid"


async def _round(
    client: httpx.AsyncClient, requester: object, helper: object, minutes: int
) -> httpx.Response:
    """The loop from the report: post a request, the accomplice takes it, the requester completes."""
    ask = {"title": "帮忙买菜", "minutes": minutes, "when_at": (clock.now() + timedelta(days=1)).isoformat()}
    posted = await client.post(M, json=ask, headers=auth(requester))  # type: ignore[arg-type]
    assert posted.status_code == 201, posted.text
    help_id = posted.json()["id"]
    taken = await client.post(f"{M}/{help_id}/take", headers=auth(helper))  # type: ignore[arg-type]
    assert taken.status_code == 200, taken.text
    return await client.post(f"{M}/{help_id}/complete", headers=auth(requester))  # type: ignore[arg-type]


async def test_self_declared_age_earns_no_subsidy(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    a = await make_user(db, community=world.community)
    b = await make_user(db, community=world.community)
    await db.flush()
    me = await client.patch(f"{API}/me", json={"birth_date": "1940-01-01"}, headers=auth(a))
    assert me.status_code == 200
    assert me.json()["birth_date_verified"] is False
    r = await _round(client, a, b, 600)
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_balance"
    assert await wallet_balance(db, b, Asset.hours) == 0


async def test_replayed_loop_is_refused_on_the_second_round(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    elder = await make_user(db, community=world.community)
    accomplice = await make_user(db, community=world.community)
    await db.flush()
    verified = await client.put(
        f"{API}/users/{elder.id}/eligibility", json={"birth_date": "1950-03-01"}, headers=auth(world.staff)
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["birth_date_verified"] is True
    first = await _round(client, elder, accomplice, 600)
    assert first.status_code == 200, first.text
    assert first.json()["paid_by"] == "subsidy"
    second = await _round(client, elder, accomplice, 600)
    assert second.status_code == 409
    assert second.json()["code"] == "subsidy_budget_exhausted"
    assert second.json()["budget"] == "elder"
    assert await wallet_balance(db, accomplice, Asset.hours) == 600
    await assert_ledger_ok(db)


async def test_community_budget_per_month(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    world.community.subsidy_minutes_per_month = 100
    await db.flush()
    r = await _round(client, world.resident, world.neighbour, 120)  # 张阿姨 is a verified elder
    assert r.status_code == 409
    assert r.json()["budget"] == "community"
    ok = await _round(client, world.resident, world.neighbour, 100)
    assert ok.status_code == 200, ok.text
    # Next month the budget is fresh.
    clock.freeze(clock.now() + timedelta(days=32))
    again = await _round(client, world.resident, world.neighbour, 100)
    assert again.status_code == 200, again.text


async def test_changing_the_birth_date_clears_the_verification(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    r = await client.patch(f"{API}/me", json={"birth_date": "1930-01-01"}, headers=auth(world.resident))
    assert r.json()["birth_date_verified"] is False
    refused = await _round(client, world.resident, world.neighbour, 60)
    assert refused.json()["code"] == "insufficient_balance"


async def test_only_staff_of_the_community_verify_and_it_is_audited(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    body = {"birth_date": "1950-01-01", "subsidy_eligible": True}
    url = f"{API}/users/{world.neighbour.id}/eligibility"
    assert (await client.put(url, json=body, headers=auth(world.neighbour))).status_code == 403
    assert (await client.put(url, json=body, headers=auth(world.other_staff))).status_code == 404
    own = await client.put(f"{API}/users/{world.staff.id}/eligibility", json=body, headers=auth(world.staff))
    assert own.status_code == 403
    ok = await client.put(url, json=body, headers=auth(world.staff))
    assert ok.status_code == 200
    assert ok.json()["subsidy_eligible"] is True
    entries = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "user.eligibility_verified"))
    ).scalars()
    [entry] = list(entries)
    assert entry.actor_id == world.staff.id
    assert entry.target_id == str(world.neighbour.id)


async def test_seniors_only_booking_needs_a_verified_age(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    clock.freeze(at(0, 8))
    service = await make_service(db, world.community, audience="seniors")
    slot = await make_slot(db, service, at(1, 9))
    claimed = await make_user(
        db, community=world.community, birth_date=date(1940, 1, 1), birth_date_verified=False
    )
    await db.flush()
    r = await client.post(f"{API}/bookings", json={"slot_id": str(slot.id)}, headers=auth(claimed))
    assert r.status_code == 403
    assert r.json()["code"] == "not_eligible"
    assert r.json()["birth_date_verified"] is False
    await client.put(
        f"{API}/users/{claimed.id}/eligibility", json={"birth_date": "1940-01-01"}, headers=auth(world.staff)
    )
    r = await client.post(f"{API}/bookings", json={"slot_id": str(slot.id)}, headers=auth(claimed))
    assert r.status_code == 201, r.text


async def test_parallel_completions_cannot_overspend_the_community_budget(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    world.community.subsidy_minutes_per_month = 600
    elders = [
        await make_user(live_db, community=world.community, birth_date=date(1945, 1, 1)) for _ in range(6)
    ]
    await live_db.commit()
    ids = []
    for elder in elders:
        ask = {"title": "陪同就医", "minutes": 200, "when_at": (clock.now() + timedelta(days=1)).isoformat()}
        help_id = (await live_client.post(M, json=ask, headers=auth(elder))).json()["id"]
        await live_client.post(f"{M}/{help_id}/take", headers=auth(world.neighbour))
        ids.append(help_id)
    done = await asyncio.gather(
        *[live_client.post(f"{M}/{h}/complete", headers=auth(e)) for h, e in zip(ids, elders, strict=True)]
    )
    codes = sorted(r.status_code for r in done)
    assert codes == [200, 200, 200, 409, 409, 409], [r.text for r in done]
    assert await wallet_balance(live_db, world.neighbour, Asset.hours) == 600
    used = (
        await live_db.execute(select(SubsidyUsage.minutes_used).where(SubsidyUsage.elder_id.is_(None)))
    ).scalar_one()
    assert used == 600
    await assert_ledger_ok(live_db)


async def test_admins_set_the_subsidy_budgets(client: httpx.AsyncClient, world: World) -> None:
    body = {"subsidy_minutes_per_month": 1200, "subsidy_minutes_per_elder_month": 120}
    url = f"{API}/org-units/{world.community.id}"
    assert (await client.patch(url, json=body, headers=auth(world.staff))).status_code == 403
    r = await client.patch(url, json=body, headers=auth(world.admin))
    assert r.status_code == 200, r.text
    assert r.json()["subsidy_minutes_per_elder_month"] == 120
    over = await _round(client, world.resident, world.neighbour, 180)
    assert over.json()["budget"] == "elder"
