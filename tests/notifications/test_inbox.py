"""The in-app inbox: list, unread filter, mark read, read-all, the unread badge; only your own."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.factories import World, auth
from tests.support.notifications import make_notification

API = "/api/v1"


async def test_inbox_lists_my_notifications_newest_first(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    for n in range(3):
        await make_notification(db, world.resident, title=f"通知{n}", link=f"/tickets/{n}")
        clock.advance(timedelta(minutes=1))
    await make_notification(db, world.neighbour, title="别人的")
    r = await client.get(f"{API}/notifications", headers=auth(world.resident))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["title"] for i in items] == ["通知2", "通知1", "通知0"]
    assert items[0]["read"] is False
    assert items[0]["link"] == "/tickets/2"


async def test_inbox_pages_with_a_cursor(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    for n in range(5):
        await make_notification(db, world.resident, title=f"通知{n}")
        clock.advance(timedelta(seconds=1))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(f"{API}/notifications", params=params, headers=auth(world.resident))).json()
        seen += [i["title"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"通知{n}" for n in (4, 3, 2, 1, 0)]


async def test_bad_cursor_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(f"{API}/notifications", params={"cursor": "bm9wZQ"}, headers=auth(world.resident))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_cursor"


async def test_mark_read_updates_the_badge_and_the_unread_filter(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    first = await make_notification(db, world.resident, title="一")
    await make_notification(db, world.resident, title="二")
    h = auth(world.resident)
    assert (await client.get(f"{API}/notifications/unread-count", headers=h)).json() == {"unread": 2}

    r = await client.post(f"{API}/notifications/{first.id}/read", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["read"] is True
    read_at = r.json()["read_at"]
    again = await client.post(f"{API}/notifications/{first.id}/read", headers=h)
    assert again.json()["read_at"] == read_at

    assert (await client.get(f"{API}/notifications/unread-count", headers=h)).json() == {"unread": 1}
    unread = (await client.get(f"{API}/notifications", params={"unread": "true"}, headers=h)).json()
    assert [i["title"] for i in unread["items"]] == ["二"]


async def test_read_all_marks_only_mine(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    for _ in range(3):
        await make_notification(db, world.resident)
    await make_notification(db, world.neighbour)
    r = await client.post(f"{API}/notifications/read-all", headers=auth(world.resident))
    assert r.json() == {"updated": 3}
    assert (await client.get(f"{API}/notifications/unread-count", headers=auth(world.resident))).json() == {
        "unread": 0
    }
    count = await client.get(f"{API}/notifications/unread-count", headers=auth(world.neighbour))
    assert count.json() == {"unread": 1}


async def test_someone_elses_notification_is_404(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    theirs = await make_notification(db, world.neighbour)
    for target in (theirs.id, uuid.uuid4()):
        r = await client.post(f"{API}/notifications/{target}/read", headers=auth(world.resident))
        assert r.status_code == 404
        assert r.json()["code"] == "notification_not_found"


async def test_inbox_needs_sign_in(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/notifications")).status_code == 401
    assert (await client.get(f"{API}/notifications/unread-count")).status_code == 401


async def test_staff_have_an_inbox_too(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await make_notification(db, world.staff, kind="ticket.overdue", title="工单超期")
    r = await client.get(f"{API}/notifications", headers=auth(world.staff))
    assert [i["kind"] for i in r.json()["items"]] == ["ticket.overdue"]
