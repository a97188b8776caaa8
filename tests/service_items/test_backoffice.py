"""The back office (后台办理): accept, correction pausing the clock, decide, hand over, rate, escalate."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import Role
from app.models.notifications import Notification
from app.service_items import backoffice
from tests.support.factories import World, auth, make_user
from tests.support.service_items import API, apply, make_agent, make_item, post, shanghai


async def test_a_correction_pauses_the_clock_across_a_weekend_and_a_public_holiday(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """Hand-computed on China's 2026 calendar, time limit 5 working days.

    Taken in Wed 22 Apr: due the 5th working day after, Wed 29 Apr (23, 24, 27, 28, 29).
    Correction asked Fri 24 Apr (2 days used), supplied Thu 7 May. Paused working days after 24 Apr up
    to 7 May: 27, 28, 29, 30 Apr, 6, 7 May = 6 (25–26 Apr weekend and the 1–5 May Labour Day holiday
    do not count). New deadline: 6 working days after 29 Apr = 30 Apr, 6, 7, 8 May, Sat 9 May (a make-up
    working day), Mon 11 May. Check: 3 days remained, counted after 7 May: 8, 9, 11 May.
    """
    item = await make_item(db, world.community, world.department, time_limit_days=5)
    clock.freeze(shanghai(2026, 4, 22))
    out = await apply(client, world.resident, item, ["m1", "m2"])
    assert out["due_on"] == "2026-04-29"
    await post(client, f"/service-requests/{out['id']}/accept", world.handler)

    clock.freeze(shanghai(2026, 4, 24, 16))
    asked = await post(
        client,
        f"/service-requests/{out['id']}/correction",
        world.handler,
        {"reason": "户口簿复印件不清晰", "materials": ["m2"]},
    )
    assert (asked["status"], asked["paused_on"], asked["missing"][0]["name"]) == (
        "correction",
        "2026-04-24",
        "户口簿",
    )

    clock.freeze(shanghai(2026, 4, 30))  # past the original deadline, but paused: not overdue
    assert (await client.get(f"{API}/service-requests/{out['id']}", headers=auth(world.staff))).json()[
        "overdue"
    ] is False

    clock.freeze(shanghai(2026, 5, 7, 9))
    resumed = await post(
        client, f"/service-requests/{out['id']}/materials", world.resident, {"received": ["m2"]}
    )
    assert (resumed["status"], resumed["paused_days"], resumed["due_on"]) == ("processing", 6, "2026-05-11")

    clock.freeze(shanghai(2026, 5, 12))
    assert (await client.get(f"{API}/service-requests/{out['id']}", headers=auth(world.staff))).json()[
        "overdue"
    ] is True


async def test_the_department_takes_it_from_accept_to_handover_and_the_resident_rates(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department)
    out = await apply(client, world.resident, item, ["m1", "m2"])
    rid = out["id"]
    await post(client, f"/service-requests/{rid}/accept", world.handler)
    approved = await post(client, f"/service-requests/{rid}/approve", world.handler, {"remark": "符合条件"})
    assert approved["status"] == "approved"
    r = await client.post(
        f"{API}/service-requests/{rid}/handover",
        json={"method": "agent_handover"},
        headers=auth(world.handler),
    )
    assert (r.status_code, r.json()["code"]) == (409, "handover_not_allowed")
    handed = await post(
        client, f"/service-requests/{rid}/handover", world.handler, {"method": "window_pickup"}
    )
    assert (handed["status"], handed["handover"]) == ("handed_over", "window_pickup")
    r = await client.post(
        f"{API}/service-requests/{rid}/rate", json={"rating": "satisfied"}, headers=auth(world.staff)
    )
    assert (r.status_code, r.json()["code"]) == (403, "not_applicant")
    rated = await post(
        client, f"/service-requests/{rid}/rate", world.resident, {"rating": "satisfied", "comment": "很快"}
    )
    assert rated["rating"] == "satisfied"
    r = await client.post(
        f"{API}/service-requests/{rid}/rate", json={"rating": "unsatisfied"}, headers=auth(world.resident)
    )
    assert (r.status_code, r.json()["code"]) == (409, "already_rated")

    steps = (await client.get(f"{API}/service-requests/{rid}/events", headers=auth(world.resident))).json()
    assert [s["kind"] for s in steps] == [
        "created",
        "taken_in",
        "accepted",
        "approved",
        "handed_over",
        "rated",
    ]


async def test_wrong_people_and_wrong_moves_are_refused(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department)
    out = await apply(client, world.resident, item, ["m1", "m2"])
    rid = out["id"]
    r = await client.post(f"{API}/service-requests/{rid}/accept", headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (403, "not_department")
    for outsider in (world.other_staff, world.other_handler, world.neighbour):
        r = await client.post(f"{API}/service-requests/{rid}/accept", headers=auth(outsider))
        assert (r.status_code, r.json()["code"]) == (404, "service_request_not_found")
        assert (await client.get(f"{API}/service-requests/{rid}", headers=auth(outsider))).status_code == 404
    r = await client.post(f"{API}/service-requests/{rid}/approve", headers=auth(world.handler))
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    r = await client.post(
        f"{API}/service-requests/{rid}/reject", json={"reason": ""}, headers=auth(world.staff)
    )
    assert r.status_code == 422
    rejected = await post(
        client, f"/service-requests/{rid}/reject", world.staff, {"reason": "不符合户籍条件"}
    )
    assert (rejected["status"], rejected["decision_reason"]) == ("rejected", "不符合户籍条件")


async def test_internal_escalations_stay_off_the_residents_timeline(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    item = await make_item(db, world.community, world.department, time_limit_days=1)
    clock.freeze(shanghai(2026, 6, 1))
    out = await apply(client, world.resident, item, ["m1", "m2"])
    await backoffice.escalate_overdue(db, shanghai(2026, 6, 4))
    staff_view = (
        await client.get(f"{API}/service-requests/{out['id']}/events", headers=auth(world.staff))
    ).json()
    resident_view = (
        await client.get(f"{API}/service-requests/{out['id']}/events", headers=auth(world.resident))
    ).json()
    assert "escalated" in [e["kind"] for e in staff_view]
    assert "escalated" not in [e["kind"] for e in resident_view]


async def test_overdue_applications_are_escalated_once_per_deadline(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    supervisor = await make_user(
        db, name="站长", community=world.community, roles=[(Role.staff, world.community)]
    )
    item = await make_item(db, world.community, world.department, time_limit_days=2)
    clock.freeze(shanghai(2026, 6, 1))  # Monday: due Wed 3 June
    late = await apply(client, world.resident, item, ["m1", "m2"])
    on_time = await apply(client, world.neighbour, item, ["m1", "m2"])
    await post(client, f"/service-requests/{on_time['id']}/accept", world.handler)
    await post(client, f"/service-requests/{on_time['id']}/approve", world.handler)

    assert await backoffice.escalate_overdue(db, shanghai(2026, 6, 3, 17)) == 0
    assert await backoffice.escalate_overdue(db, shanghai(2026, 6, 4)) == 1
    assert await backoffice.escalate_overdue(db, shanghai(2026, 6, 5)) == 0  # idempotent

    clock.freeze(shanghai(2026, 6, 5))
    overdue = (await client.get(f"{API}/service-requests?overdue=true", headers=auth(world.staff))).json()[
        "items"
    ]
    assert [r["id"] for r in overdue] == [late["id"]]
    told = (
        await db.execute(select(Notification.user_id).where(Notification.kind == "service_request.overdue"))
    ).scalars()
    assert set(told) == {world.staff.id, supervisor.id, world.handler.id}


async def test_an_agent_hands_the_result_over_and_the_elder_sees_each_step(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    agent = await make_agent(db, world)
    item = await make_item(db, world.community, world.department)
    out = await apply(client, agent, item, ["m1"], on_behalf_of=str(world.resident.id))
    rid = out["id"]
    await post(client, f"/service-requests/{rid}/consent", world.resident)
    await post(client, f"/service-requests/{rid}/materials", agent, {"received": ["m2"]})
    await post(client, f"/service-requests/{rid}/accept", world.handler)
    await post(
        client,
        f"/service-requests/{rid}/correction",
        world.handler,
        {"reason": "缺照片", "materials": ["m3"]},
    )
    await post(client, f"/service-requests/{rid}/materials", agent, {"received": ["m3"]})
    await post(client, f"/service-requests/{rid}/approve", world.handler)
    await post(client, f"/service-requests/{rid}/handover", agent, {"method": "agent_handover"})
    await post(client, f"/service-requests/{rid}/rate", world.resident, {"rating": "basically_satisfied"})
    kinds = [
        e["kind"]
        for e in (
            await client.get(f"{API}/service-requests/{rid}/events", headers=auth(world.resident))
        ).json()
    ]
    assert kinds == [
        "created", "consent", "materials_missing", "materials", "taken_in", "accepted",
        "correction", "materials", "corrected", "approved", "handed_over", "rated",
    ]  # fmt: skip
