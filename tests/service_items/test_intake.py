"""Intake (前台受理): the one complete list of what is missing, the clock, acting on behalf with consent."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.notifications import Notification
from app.models.platform import AuditEntry
from tests.support.factories import World, auth
from tests.support.service_items import API, apply, make_agent, make_item, post, shanghai


async def _inbox(db: AsyncSession, user_id: object, kind: str) -> list[Notification]:
    rows = await db.execute(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
    )
    return list(rows.scalars())


async def test_missing_required_materials_send_one_complete_list_and_start_no_clock(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department)
    out = await apply(client, world.resident, item, ["m3"])
    assert (out["status"], out["started_on"], out["due_on"]) == ("incomplete", None, None)
    assert [m["name"] for m in out["missing"]] == ["居民身份证", "户口簿"]

    notes = await _inbox(db, world.resident.id, "service_request.materials_missing")
    assert len(notes) == 1
    assert "居民身份证" in notes[0].body
    assert "户口簿" in notes[0].body
    assert "一寸照片" not in notes[0].body  # optional, so not missing

    slip = await client.get(f"{API}/service-requests/{out['id']}/slip", headers=auth(world.resident))
    assert slip.status_code == 200
    assert "text/html" in slip.headers["content-type"]
    assert "一次性告知单" in slip.text
    assert "户口簿" in slip.text
    assert world.resident.phone not in slip.text


async def test_ticking_the_last_material_takes_it_in_and_starts_the_clock(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    clock.freeze(shanghai(2026, 4, 22))  # a Wednesday
    item = await make_item(db, world.community, world.department, time_limit_days=5)
    out = await apply(client, world.staff, item, ["m1"], on_behalf_of=str(world.resident.id))
    assert (out["status"], out["channel"], out["consent"]) == ("incomplete", "window", "in_person")
    done = await post(client, f"/service-requests/{out['id']}/materials", world.staff, {"received": ["m2"]})
    assert done["status"] == "submitted"
    assert (done["started_on"], done["due_on"]) == ("2026-04-22", "2026-04-29")
    assert done["number"].startswith("SX20260422-")


async def test_an_agent_without_consent_is_refused_until_the_resident_confirms(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    agent = await make_agent(db, world)
    item = await make_item(db, world.community, world.department)
    out = await apply(client, agent, item, ["m1", "m2"], on_behalf_of=str(world.resident.id))
    assert (out["status"], out["due_on"], out["consent"]) == ("awaiting_consent", None, None)
    assert out["applicant"]["name"] == "张阿姨"
    assert out["taken_by"]["name"] == "网格员小陈"

    r = await client.post(
        f"{API}/service-requests/{out['id']}/materials", json={"received": ["m3"]}, headers=auth(agent)
    )
    assert (r.status_code, r.json()["code"]) == (409, "consent_required")
    r = await client.post(f"{API}/service-requests/{out['id']}/accept", headers=auth(world.handler))
    assert (r.status_code, r.json()["code"]) == (409, "consent_required")
    r = await client.post(f"{API}/service-requests/{out['id']}/consent", headers=auth(agent))
    assert (r.status_code, r.json()["code"]) == (403, "not_applicant")
    r = await client.post(
        f"{API}/service-requests/{out['id']}/consent", json={"signed_form": True}, headers=auth(agent)
    )
    assert (r.status_code, r.json()["code"]) == (409, "consent_required")

    assert len(await _inbox(db, world.resident.id, "service_request.consent_requested")) == 1
    agreed = await post(client, f"/service-requests/{out['id']}/consent", world.resident)
    assert (agreed["status"], agreed["consent"]) == ("submitted", "app")


async def test_the_on_behalf_record_and_audit_carry_both_people(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    agent = await make_agent(db, world)
    item = await make_item(db, world.community, world.department)
    out = await apply(client, agent, item, ["m1", "m2"], on_behalf_of=str(world.resident.id))
    await post(client, f"/service-requests/{out['id']}/consent", world.staff, {"signed_form": True})
    entries = {
        e.action: e
        for e in (await db.execute(select(AuditEntry).where(AuditEntry.target_id == out["id"]))).scalars()
    }
    intake, consent = entries["service_request.intake"], entries["service_request.consent"]
    assert (intake.action, intake.actor_id, intake.on_behalf_of) == (
        "service_request.intake",
        agent.id,
        world.resident.id,
    )
    assert (consent.action, consent.actor_id, consent.on_behalf_of) == (
        "service_request.consent",
        world.staff.id,
        world.resident.id,
    )
    assert consent.detail["agent_id"] == str(agent.id)
    assert consent.detail["consent"] == "signed_form"
    mine = (await client.get(f"{API}/service-requests?mine=true", headers=auth(agent))).json()["items"]
    assert [(r["applicant"]["id"], r["taken_by"]["id"], r["on_behalf"]) for r in mine] == [
        (str(world.resident.id), str(agent.id), True)
    ]


async def test_only_agents_and_staff_act_for_someone_else(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department)
    body = {"item_id": str(item.id), "on_behalf_of": str(world.neighbour.id)}
    r = await client.post(f"{API}/service-requests", json=body, headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (403, "not_an_agent")
    agent = await make_agent(db, world)
    body["on_behalf_of"] = str(world.other_resident.id)
    r = await client.post(f"{API}/service-requests", json=body, headers=auth(agent))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_resident")


async def test_a_channel_the_item_does_not_offer_is_refused(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department, channels=("window",))
    r = await client.post(
        f"{API}/service-requests", json={"item_id": str(item.id)}, headers=auth(world.resident)
    )
    assert (r.status_code, r.json()["code"]) == (409, "channel_not_offered")
    r = await client.post(
        f"{API}/service-requests",
        json={"item_id": str(item.id), "materials": ["m9"]},
        headers=auth(world.staff),
    )
    assert r.status_code in (409, 422)


async def test_a_double_submit_with_one_idempotency_key_makes_one_application(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department)
    headers = {**auth(world.resident), "Idempotency-Key": "apply-once"}
    body = {"item_id": str(item.id), "materials": ["m1", "m2"]}
    first = await client.post(f"{API}/service-requests", json=body, headers=headers)
    second = await client.post(f"{API}/service-requests", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert (
        len((await client.get(f"{API}/service-requests", headers=auth(world.resident))).json()["items"]) == 1
    )


async def test_a_forged_cursor_is_422(client: httpx.AsyncClient, world: World) -> None:
    import base64
    import json

    for value in (["2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"], ["x", "y"], {"a": 1}):
        cursor = base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
        r = await client.get(f"{API}/service-requests?cursor={cursor}", headers=auth(world.staff))
        assert (r.status_code, r.json()["code"]) == (422, "invalid_cursor")
