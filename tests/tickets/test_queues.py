"""Queues: who sees which tickets, filters, text search, urgency order and cursor paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket, move

API = "/api/v1"


async def _ids(client: httpx.AsyncClient, user: object, query: str = "") -> list[str]:
    r = await client.get(f"{API}/tickets{query}", headers=auth(user))  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]]


async def test_each_role_sees_its_own_queue(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    mine = await make_ticket(db, category, world.resident)
    theirs = await make_ticket(db, category, world.neighbour)
    elsewhere = await make_ticket(db, await make_category(db, world.other_community), world.other_resident)
    await move(client, theirs.id, "accept", world.staff)
    await move(client, theirs.id, "dispatch", world.staff, department_id=str(world.department.id))

    assert await _ids(client, world.resident) == [str(mine.id)]
    assert set(await _ids(client, world.staff)) == {str(mine.id), str(theirs.id)}
    assert await _ids(client, world.handler) == [str(theirs.id)]
    assert await _ids(client, world.other_staff) == [str(elsewhere.id)]
    assert len(await _ids(client, world.admin)) == 3
    # Signed by the handler: it is now "assigned to me".
    await move(client, theirs.id, "start", world.handler)
    assert await _ids(client, world.handler, "?assignee=me") == [str(theirs.id)]


async def test_staff_queue_puts_overdue_first_then_the_nearest_deadline(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    slow = await make_category(db, world.community, accept_within_hours=48)
    fast = await make_category(db, world.community, accept_within_hours=2)
    later = await make_ticket(db, slow, world.resident)
    soon = await make_ticket(db, fast, world.resident)
    clock.advance(timedelta(hours=1))
    soonest = await make_ticket(db, fast, world.neighbour)
    done = await make_ticket(db, fast, world.neighbour)
    await move(client, done.id, "reject", world.staff, reason="重复")
    clock.advance(timedelta(hours=1, minutes=30))  # `soon` is now overdue
    order = await _ids(client, world.staff)
    assert order == [str(soon.id), str(soonest.id), str(later.id), str(done.id)]
    page = (await client.get(f"{API}/tickets", headers=auth(world.staff))).json()
    assert [t["overdue"] for t in page["items"]] == [True, False, False, False]
    assert await _ids(client, world.staff, "?overdue=true") == [str(soon.id)]


async def test_cursor_pages_through_the_queue_without_gaps_or_repeats(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(datetime(2026, 12, 1, 1, tzinfo=UTC))
    category = await make_category(db, world.community)
    made = []
    for n in range(7):
        made.append(str((await make_ticket(db, category, world.resident, description=f"问题{n}")).id))
        if n % 2:
            clock.advance(timedelta(minutes=5))  # some share a deadline: the id breaks the tie
    for who in (world.staff, world.resident):
        seen: list[str] = []
        cursor = None
        while True:
            query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
            body = (await client.get(f"{API}/tickets{query}", headers=auth(who))).json()
            seen.extend(t["id"] for t in body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(made)
        assert len(seen) == len(set(seen))


async def test_bad_cursor_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(f"{API}/tickets?cursor=bm90LWpzb24", headers=auth(world.staff))
    assert r.status_code == 422


async def test_filters_by_status_category_department_and_text(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    lights = await make_category(db, world.community, name="照明")
    water = await make_category(db, world.community, name="供水")
    lamp = await make_ticket(db, lights, world.resident, description="5栋路灯不亮", title="路灯故障")
    pipe = await make_ticket(db, water, world.resident, description="地下室水管爆裂")
    await move(client, pipe.id, "accept", world.staff)
    await move(client, pipe.id, "dispatch", world.staff, department_id=str(world.department.id))

    assert await _ids(client, world.staff, f"?category_id={lights.id}") == [str(lamp.id)]
    assert await _ids(client, world.staff, "?status=dispatched") == [str(pipe.id)]
    assert set(await _ids(client, world.staff, "?status=dispatched&status=submitted")) == {
        str(lamp.id),
        str(pipe.id),
    }
    assert await _ids(client, world.staff, f"?department_id={world.department.id}") == [str(pipe.id)]
    assert await _ids(client, world.staff, "?q=水管") == [str(pipe.id)]
    assert await _ids(client, world.staff, "?q=路灯") == [str(lamp.id)]
    number = (await client.get(f"{API}/tickets/{lamp.id}", headers=auth(world.staff))).json()["number"]
    assert await _ids(client, world.staff, f"?q={number.lower()}") == [str(lamp.id)]
    assert await _ids(client, world.staff, "?q=100%25") == []
    assert (await client.get(f"{API}/tickets?status=bogus", headers=auth(world.staff))).status_code == 422


async def test_staff_filing_for_themselves_use_mine(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    category = await make_category(db, world.community)
    own = await make_ticket(db, category, world.staff)
    await make_ticket(db, category, world.resident)
    assert await _ids(client, world.staff, "?mine=true") == [str(own.id)]
