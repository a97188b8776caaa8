"""Reminders at most once a day to those who have not answered; 调查队 volunteers by invitation."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.notifications import Delivery, Notification
from app.models.platform import AuditEntry
from tests.support.factories import World, auth, make_user
from tests.support.surveys import API, answer, published_survey


async def _inbox(db: AsyncSession, kind: str) -> dict[object, int]:
    rows = await db.execute(
        select(Notification.user_id, func.count())
        .where(Notification.kind == kind)
        .group_by(Notification.user_id)
    )
    return dict(rows.all())  # type: ignore[arg-type]


async def test_reminders_reach_the_audience_who_have_not_answered_once_a_day(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    s = await published_survey(client, world.staff)
    assert (await answer(client, world.resident, s["id"])).status_code == 201
    late = await make_user(db, community=world.community)
    r = await client.post(
        "/api/v1/subscriptions", json={"template_ids": ["demo-survey-notice"]}, headers=auth(late)
    )
    assert r.status_code in (200, 201), r.text
    r = await client.post(f"{API}/{s['id']}/remind", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    reminded = await _inbox(db, "survey.reminder")
    assert world.resident.id not in reminded  # answered
    assert world.other_resident.id not in reminded  # another community
    assert reminded[world.neighbour.id] == 1
    assert reminded[late.id] == 1
    note = (
        await db.execute(
            select(Notification).where(
                Notification.user_id == late.id, Notification.kind == "survey.reminder"
            )
        )
    ).scalar_one()
    assert note.link == f"pages/surveys/answer/index?id={s['id']}"
    deliveries = await db.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.notification_id == note.id)
    )
    assert deliveries == 1  # the subscribe message, where granted
    r = await client.post(f"{API}/{s['id']}/remind", headers=auth(world.staff))
    assert r.status_code == 409
    assert r.json()["code"] == "reminded_today"
    clock.advance(timedelta(days=1))
    r = await client.post(f"{API}/{s['id']}/remind", headers=auth(world.staff))
    assert r.status_code == 200
    assert (await _inbox(db, "survey.reminder"))[world.neighbour.id] == 2


async def test_reminders_respect_the_audience_and_the_state(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    s = await published_survey(client, world.staff, audience={"min_age": 60})
    r = await client.post(f"{API}/{s['id']}/remind", headers=auth(world.resident))
    assert r.status_code == 403
    r = await client.post(f"{API}/{s['id']}/remind", headers=auth(world.other_staff))
    assert r.status_code == 404
    r = await client.post(f"{API}/{s['id']}/remind", headers=auth(world.staff))
    assert r.status_code == 200
    assert set(await _inbox(db, "survey.reminder")) == {world.resident.id}  # the only verified 60+
    await client.post(f"{API}/{s['id']}/close", headers=auth(world.staff))
    clock.advance(timedelta(days=1))
    r = await client.post(f"{API}/{s['id']}/remind", headers=auth(world.staff))
    assert r.status_code == 409


async def test_publishing_results_tells_those_who_answered(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    s = await published_survey(client, world.staff, anonymous=True)
    assert (await answer(client, world.resident, s["id"])).status_code == 201
    await client.post(f"{API}/{s['id']}/close", headers=auth(world.staff))
    r = await client.post(f"{API}/{s['id']}/results/publish", headers=auth(world.staff))
    assert r.status_code == 200
    assert set(await _inbox(db, "survey.results")) == {world.resident.id}


async def test_a_surveyor_invited_by_staff_enters_door_to_door_answers(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    volunteer = await make_user(db, community=world.community, name="调查队小李")
    s = await published_survey(client, world.staff)
    r = await answer(client, volunteer, s["id"], on_behalf_of=str(world.resident.id), channel="door")
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/invitations",
        json={"role": "surveyor", "org_unit_id": str(world.community.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/invitations/{r.json()['code']}/accept", headers=auth(volunteer))
    assert r.status_code == 200, r.text
    assert "surveyor" in [g["role"] for g in r.json()["roles"]]
    r = await answer(client, volunteer, s["id"], on_behalf_of=str(world.resident.id), channel="door")
    assert r.status_code == 201, r.text
    assert r.json()["channel_label"] == "入户"
    entry = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "survey.response.entered"))
    ).scalar_one()
    assert (entry.actor_id, entry.on_behalf_of) == (volunteer.id, world.resident.id)
    # A surveyor of this community is nobody in another.
    other = await published_survey(client, world.other_staff)
    r = await answer(
        client, volunteer, other["id"], on_behalf_of=str(world.other_resident.id), channel="door"
    )
    assert r.status_code == 404
    # Nor may a surveyor read the results or export.
    r = await client.get(f"{API}/{s['id']}/export", headers=auth(volunteer))
    assert r.status_code == 403
