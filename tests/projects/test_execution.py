"""Execution and the public page through HTTP: spending against lines, budget changes, progress, photos,
questions, follows, participants."""

from __future__ import annotations

import io
from datetime import timedelta

from httpx import AsyncClient
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from tests.support.bookings import make_service, make_slot
from tests.support.factories import World, auth, make_user
from tests.support.projects import API, funded_project
from tests.support.volunteering import make_activity


def _spend(line_id: str, fen: int, **extra: object) -> dict[str, object]:
    return {
        "line_id": line_id,
        "amount_fen": fen,
        "spent_on": clock.today().isoformat(),
        "payee": "邻里超市",
    } | extra


async def test_a_line_cannot_be_overspent_without_an_approved_change(
    client: AsyncClient, world: World
) -> None:
    p = await funded_project(client, world.staff, world.resident)
    dishes, food = p["budget_lines"]  # 40 × 25.00 = 1,000.00 and 200 × 12.00 = 2,400.00
    url = f"{API}/projects/{p['id']}/spending"
    r = await client.post(url, json=_spend(dishes["id"], 60_000), headers=auth(world.resident))
    assert r.status_code == 201, r.text
    assert r.json()["amount_yuan"] == "600.00"
    r = await client.post(url, json=_spend(dishes["id"], 40_001), headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (409, "budget_line_overspent")
    assert r.json()["remaining_fen"] == 40_000
    # The team asks for 100.00 more; until staff approve, the line stays where it was.
    r = await client.post(
        f"{API}/projects/{p['id']}/budget-changes",
        json={"line_id": dishes["id"], "extra_fen": 10_000, "reason": "餐具涨价"},
        headers=auth(world.resident),
    )
    assert r.status_code == 201, r.text
    change = r.json()
    assert (
        await client.post(url, json=_spend(dishes["id"], 50_000), headers=auth(world.resident))
    ).status_code == 409
    r = await client.post(
        f"{API}/project-budget-changes/{change['id']}/approve", headers=auth(world.resident)
    )
    assert r.status_code == 403
    r = await client.post(f"{API}/project-budget-changes/{change['id']}/approve", headers=auth(world.staff))
    assert r.json()["status"] == "approved"
    r = await client.post(f"{API}/project-budget-changes/{change['id']}/approve", headers=auth(world.staff))
    assert r.json()["code"] == "budget_change_decided"
    r = await client.post(url, json=_spend(dishes["id"], 50_000), headers=auth(world.resident))
    assert r.status_code == 201, r.text
    assert (
        await client.post(url, json=_spend(dishes["id"], 1), headers=auth(world.resident))
    ).status_code == 409
    page = (await client.get(f"{API}/projects/{p['id']}", headers=auth(world.neighbour))).json()
    assert (page["budget_fen"], page["spent_fen"]) == (350_000, 110_000)
    assert (page["budget_yuan"], page["spent_yuan"], page["spent_percent"]) == ("3500.00", "1100.00", 31)
    line = page["budget_lines"][0]
    assert (line["amount_fen"], line["approved_extra_fen"], line["spent_fen"], line["remaining_fen"]) == (
        100_000,
        10_000,
        110_000,
        0,
    )
    # Money is a JSON integer of fen: no floats, no strings.
    for bad in (1.5, "100", 0, -5):
        r = await client.post(url, json=_spend(food["id"], bad), headers=auth(world.resident))  # type: ignore[arg-type]
        assert r.status_code == 422, bad


async def test_who_may_spend_and_what_a_change_may_reach(client: AsyncClient, world: World) -> None:
    p = await funded_project(client, world.staff, world.resident)
    line = p["budget_lines"][0]["id"]
    url = f"{API}/projects/{p['id']}/spending"
    r = await client.post(url, json=_spend(line, 100), headers=auth(world.neighbour))
    assert (r.status_code, r.json()["code"]) == (403, "not_project_owner")
    assert (
        await client.post(url, json=_spend(line, 100), headers=auth(world.other_staff))
    ).status_code == 404
    assert (await client.post(url, json=_spend(line, 100), headers=auth(world.staff))).status_code == 201
    r = await client.post(url, json=_spend(line, 100, spent_on="2099-01-01"), headers=auth(world.staff))
    assert r.status_code == 409
    # A change past the call's cap (10,000,000 fen, 340,000 funded) cannot be approved.
    r = await client.post(
        f"{API}/projects/{p['id']}/budget-changes",
        json={"line_id": line, "extra_fen": 9_700_000, "reason": "扩大规模"},
        headers=auth(world.resident),
    )
    r = await client.post(f"{API}/project-budget-changes/{r.json()['id']}/approve", headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (409, "over_project_budget")


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


async def test_the_public_page_follows_progress_with_photos_questions_and_followers(
    client: AsyncClient, world: World
) -> None:
    p = await funded_project(client, world.staff, world.resident)
    assert (p["status"], p["status_label"], p["percent_done"]) == ("executing", "实施中", 0)
    r = await client.post(f"{API}/projects/{p['id']}/follow", headers=auth(world.neighbour))
    assert (r.json()["following"], r.json()["followers"]) == (True, 1)
    first = p["milestones"][0]["id"]
    r = await client.post(
        f"{API}/projects/{p['id']}/updates",
        json={"body": "助餐点开放，联系电话13912345678", "milestone_id": first, "milestone_done": True},
        headers=auth(world.resident),
    )
    assert r.status_code == 201, r.text
    update_id = r.json()["updates"][0]["id"]
    r = await client.post(
        f"{API}/projects/{p['id']}/photos",
        files={"file": ("a.png", _png(), "image/png")},
        data={"update_id": update_id},
        headers=auth(world.resident),
    )
    assert r.status_code == 201, r.text
    photo = r.json()
    r = await client.post(
        f"{API}/projects/{p['id']}/photos",
        files={"file": ("a.txt", b"not an image", "text/plain")},
        headers=auth(world.resident),
    )
    assert (r.status_code, r.json()["code"]) == (422, "not_an_image")
    r = await client.post(
        f"{API}/projects/{p['id']}/questions", json={"body": "每天几点开饭？"}, headers=auth(world.neighbour)
    )
    assert r.status_code == 201
    question = r.json()
    r = await client.post(
        f"{API}/project-questions/{question['id']}/answer",
        json={"answer": "11:30"},
        headers=auth(world.resident),
    )
    assert r.status_code == 403
    r = await client.post(
        f"{API}/project-questions/{question['id']}/answer",
        json={"answer": "每天11:30开饭"},
        headers=auth(world.staff),
    )
    assert r.json()["answer"] == "每天11:30开饭"
    page = (await client.get(f"{API}/projects/{p['id']}", headers=auth(world.handler))).json()
    assert page["percent_done"] == 33
    assert page["milestones"][0]["done"] is True
    assert page["updates"][0]["photo_ids"] == [photo["id"]]
    assert "13912345678" not in str(page)
    assert page["questions"][0]["asker_name"] == "刘**"
    assert page["questions"][0]["answer"] == "每天11:30开饭"
    r = await client.get(photo["thumb_url"], headers=auth(world.handler))
    assert (r.status_code, r.headers["content-type"]) == (200, "image/jpeg")
    assert (await client.get(photo["url"], headers=auth(world.other_resident))).status_code == 404
    assert (
        await client.get(f"{API}/projects/{p['id']}", headers=auth(world.other_resident))
    ).status_code == 404
    followed = (
        await client.get(f"{API}/projects", params={"following": True}, headers=auth(world.neighbour))
    ).json()
    assert [x["id"] for x in followed["items"]] == [p["id"]]
    r = await client.delete(f"{API}/projects/{p['id']}/follow", headers=auth(world.neighbour))
    assert r.json()["following"] is False


async def test_participants_come_from_the_linked_activities(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    p = await funded_project(client, world.staff, world.resident)
    activity = await make_activity(db, world.community, world.staff, starts_in=timedelta(hours=-3))
    await db.flush()
    for v in [await make_user(db, community=world.community) for _ in range(3)]:
        r = await client.post(
            f"{API}/activities/{activity.id}/attendance",
            json={"user_id": str(v.id), "checked_in_at": activity.start_at.isoformat()},
            headers=auth(world.staff),
        )
        assert r.status_code == 200, r.text
    r = await client.post(
        f"{API}/projects/{p['id']}/links",
        json={"kind": "activity", "target_id": str(activity.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    assert r.json()["participants"] == 3
    r = await client.post(
        f"{API}/projects/{p['id']}/links",
        json={"kind": "activity", "target_id": str(activity.id)},
        headers=auth(world.staff),
    )
    assert r.json()["code"] == "already_linked"
    r = await client.post(
        f"{API}/projects/{p['id']}/links",
        json={"kind": "service", "target_id": str(activity.id)},
        headers=auth(world.staff),
    )
    assert r.json()["code"] == "link_target_not_found"


async def test_participants_come_from_the_linked_bookings_service(
    client: AsyncClient, world: World, db: AsyncSession
) -> None:
    p = await funded_project(client, world.staff, world.resident)
    service = await make_service(db, world.community, provider_kind="social_org", provider_name="绿叶舟")
    slot = await make_slot(db, service, clock.now() + timedelta(hours=3), capacity=3)
    await db.flush()
    bookings = []
    for who in (world.resident, world.neighbour, await make_user(db, community=world.community)):
        r = await client.post(f"{API}/bookings", json={"slot_id": str(slot.id)}, headers=auth(who))
        assert r.status_code == 201, r.text
        bookings.append(r.json()["id"])
    clock.freeze(slot.start_at + timedelta(minutes=5))
    for booking_id in bookings[:2]:
        r = await client.post(f"{API}/bookings/{booking_id}/check-in", headers=auth(world.staff))
        assert r.status_code == 200, r.text
    r = await client.post(
        f"{API}/projects/{p['id']}/links",
        json={"kind": "service", "target_id": str(service.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    assert r.json()["participants"] == 2  # checked in; the third is only booked
