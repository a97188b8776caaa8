"""The shared rectification item (整改) through HTTP: working-day deadline, scope, notes, close."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.platform import AuditEntry
from app.rectifications import service
from app.rectifications.errors import InvalidDeadline, RectificationOwnerRequired
from tests.support.consultation import shanghai
from tests.support.factories import World, auth
from tests.support.rectifications import open_rectification

API = "/api/v1/rectifications"


async def test_deadline_counts_working_days_across_national_day(db: AsyncSession, world: World) -> None:
    # 2026-09-30 is a Wednesday; 10-01..10-07 is the National Day holiday; Saturday 10-10 is a make-up day.
    clock.freeze(shanghai(2026, 9, 30))
    item = await open_rectification(db, world, deadline_workdays=3)
    assert item.opened_on == date(2026, 9, 30)
    assert item.deadline_on == date(2026, 10, 10)
    assert item.deadline_workdays == 3
    assert item.status == "open"
    assert not item.overdue


async def test_staff_list_and_read_with_filters(client: AsyncClient, db: AsyncSession, world: World) -> None:
    source = uuid.uuid4()
    item = await open_rectification(db, world, source_id=source)
    await open_rectification(db, world, source_kind="project")
    r = await client.get(
        API, params={"source_kind": "review_round", "source_id": str(source)}, headers=auth(world.staff)
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["id"] for i in items] == [str(item.id)]
    assert items[0]["owner_name"] == "甲物业"
    assert items[0]["source_label"] == "居民评议"
    assert items[0]["opened_by"] == str(world.staff.id)
    r = await client.get(API, params={"status": "closed"}, headers=auth(world.staff))
    assert r.json()["items"] == []
    r = await client.get(f"{API}/{item.id}", headers=auth(world.staff))
    assert r.status_code == 200
    assert r.json()["notes"] == []


async def test_other_community_gets_404(client: AsyncClient, db: AsyncSession, world: World) -> None:
    item = await open_rectification(db, world)
    for user in (world.other_staff, world.other_resident):
        r = await client.get(f"{API}/{item.id}", headers=auth(user))
        assert r.status_code == 404
        assert r.json()["code"] == "rectification_not_found"
        r = await client.get(API, headers=auth(user))
        assert r.json()["items"] == []
        r = await client.post(f"{API}/{item.id}/notes", json={"body": "已处理"}, headers=auth(user))
        assert r.status_code == 404
    r = await client.post(f"{API}/{item.id}/close", json={"note": "修好了"}, headers=auth(world.other_staff))
    assert r.status_code == 404


async def test_residents_read_public_items_only_without_staff_fields(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    public = await open_rectification(db, world)
    hidden = await open_rectification(db, world, source_kind="project", public=False)
    r = await client.get(API, headers=auth(world.resident))
    ids = [i["id"] for i in r.json()["items"]]
    assert ids == [str(public.id)]
    assert r.json()["items"][0]["opened_by"] is None
    r = await client.get(f"{API}/{hidden.id}", headers=auth(world.resident))
    assert r.status_code == 404
    assert await service.publish_source(db, "project", hidden.source_id) == 1
    await db.flush()
    r = await client.get(f"{API}/{hidden.id}", headers=auth(world.resident))
    assert r.status_code == 200


async def test_owner_and_staff_add_notes_residents_may_not(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    item = await open_rectification(db, world, owner_user_id=world.handler.id, owner_name=None)
    assert item.owner_name == "李师傅"
    r = await client.post(
        f"{API}/{item.id}/notes", json={"body": "已更换灯泡12个"}, headers=auth(world.handler)
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"{API}/{item.id}/notes", json={"body": "已回访居民"}, headers=auth(world.staff))
    assert r.status_code == 201
    notes = r.json()["notes"]
    assert [(n["body"], n["author_name"]) for n in notes] == [
        ("已更换灯泡12个", "李师傅"),
        ("已回访居民", "王社工"),
    ]
    r = await client.post(f"{API}/{item.id}/notes", json={"body": "我来写"}, headers=auth(world.resident))
    assert r.status_code == 403
    assert r.json()["code"] == "not_rectification_owner"
    r = await client.post(f"{API}/{item.id}/notes", json={"body": "bad\x00"}, headers=auth(world.staff))
    assert r.status_code == 422
    # The resident sees the notes (progress is public to the panel and residents).
    r = await client.get(f"{API}/{item.id}", headers=auth(world.resident))
    assert len(r.json()["notes"]) == 2


async def test_staff_close_once_then_notes_and_close_are_409(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    item = await open_rectification(db, world)
    r = await client.post(f"{API}/{item.id}/close", json={"note": "灯已修好"}, headers=auth(world.resident))
    assert r.status_code == 403
    r = await client.post(f"{API}/{item.id}/close", json={"note": "灯已修好"}, headers=auth(world.staff))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "closed"
    assert out["status_label"] == "已办结"
    assert out["closing_note"] == "灯已修好"
    r = await client.post(f"{API}/{item.id}/close", json={"note": "再次"}, headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "rectification_closed"
    r = await client.post(f"{API}/{item.id}/notes", json={"body": "补充"}, headers=auth(world.staff))
    assert r.status_code == 409
    audited = await db.scalar(
        select(func.count()).where(
            AuditEntry.target_id == str(item.id), AuditEntry.action.like("rectification.%")
        )
    )
    assert audited == 2  # open, close


async def test_overdue_once_the_deadline_passes(client: AsyncClient, db: AsyncSession, world: World) -> None:
    clock.freeze(shanghai(2026, 12, 7))
    item = await open_rectification(db, world, deadline_workdays=1)
    assert item.deadline_on == date(2026, 12, 8)
    clock.freeze(shanghai(2026, 12, 7) + timedelta(days=2))
    r = await client.get(f"{API}/{item.id}", headers=auth(world.staff))
    assert r.json()["overdue"] is True


async def test_open_item_refuses_no_owner_and_bad_deadline(db: AsyncSession, world: World) -> None:
    with pytest.raises(RectificationOwnerRequired):
        await open_rectification(db, world, owner_name=None)
    with pytest.raises(InvalidDeadline):
        await open_rectification(db, world, deadline_workdays=0)
