"""Calls and applications through HTTP: cap in fen, weighted criteria, phases, drafts until the deadline."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import Role
from tests.support.factories import World, auth, make_user
from tests.support.projects import API, application_body, call_body, new_application, new_call


async def test_staff_open_a_call_with_a_cap_in_fen_and_weighted_criteria(
    client: AsyncClient, world: World
) -> None:
    call = await new_call(client, world.staff, budget_cap_fen=12_345_678)
    assert call["budget_cap_fen"] == 12_345_678
    assert call["budget_cap_yuan"] == "123456.78"
    assert call["phase"] == "accepting"
    assert call["phase_label"] == "申报中"
    assert [c["weight"] for c in call["criteria"]] == [40, 35, 25]
    assert call["community_id"] == str(world.community.id)
    # Residents of the community read it; others do not.
    assert (
        await client.get(f"{API}/project-calls/{call['id']}", headers=auth(world.resident))
    ).status_code == 200
    r = await client.get(f"{API}/project-calls/{call['id']}", headers=auth(world.other_resident))
    assert r.status_code == 404
    assert r.json()["code"] == "project_call_not_found"


async def test_call_rules_are_checked(client: AsyncClient, world: World) -> None:
    bad_weights = call_body(criteria=[{"name": "a", "weight": 50}, {"name": "b", "weight": 40}])
    r = await client.post(f"{API}/project-calls", json=bad_weights, headers=auth(world.staff))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_criteria")
    now = clock.now()
    r = await client.post(
        f"{API}/project-calls",
        json=call_body(closes_at=(now - timedelta(days=2)).isoformat()),
        headers=auth(world.staff),
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_phases")
    r = await client.post(
        f"{API}/project-calls",
        json=call_body(
            voting_opens_at=(now + timedelta(days=2)).isoformat(),  # before the deadline
            voting_closes_at=(now + timedelta(days=20)).isoformat(),
            votes_per_resident=2,
        ),
        headers=auth(world.staff),
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_phases")
    for cap in (0, -1, 1.5, "100"):
        r = await client.post(
            f"{API}/project-calls", json=call_body(budget_cap_fen=cap), headers=auth(world.staff)
        )
        assert r.status_code == 422, cap
    r = await client.post(f"{API}/project-calls", json=call_body(), headers=auth(world.resident))
    assert r.status_code == 403


async def test_a_draft_is_editable_until_the_deadline_then_submitted_once(
    client: AsyncClient, world: World
) -> None:
    call = await new_call(client, world.staff)
    app = await new_application(client, call["id"], world.resident, submit=False)
    assert app["status"] == "draft"
    assert app["editable"] is True
    assert app["requested_fen"] == 40 * 2500 + 200 * 1200
    assert app["requested_yuan"] == "3400.00"
    r = await client.patch(
        f"{API}/project-applications/{app['id']}",
        json={"budget_lines": [{"item": "餐具", "quantity": 3, "unit_price_fen": 333}]},
        headers=auth(world.resident),
    )
    assert r.status_code == 200, r.text
    assert r.json()["requested_fen"] == 999
    assert r.json()["budget_lines"][0]["amount_yuan"] == "9.99"
    # Someone else cannot edit or submit it.
    r = await client.patch(
        f"{API}/project-applications/{app['id']}", json={"title": "x"}, headers=auth(world.neighbour)
    )
    assert r.status_code == 404
    r = await client.post(f"{API}/project-applications/{app['id']}/submit", headers=auth(world.resident))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted"
    r = await client.post(f"{API}/project-applications/{app['id']}/submit", headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    r = await client.patch(
        f"{API}/project-applications/{app['id']}", json={"title": "改"}, headers=auth(world.resident)
    )
    assert r.status_code == 409


async def test_after_the_deadline_drafts_are_frozen(client: AsyncClient, world: World) -> None:
    call = await new_call(client, world.staff)
    app = await new_application(client, call["id"], world.resident, submit=False)
    clock.freeze(clock.now() + timedelta(days=11))
    r = await client.patch(
        f"{API}/project-applications/{app['id']}", json={"title": "迟到"}, headers=auth(world.resident)
    )
    assert (r.status_code, r.json()["code"]) == (409, "call_not_accepting")
    r = await client.post(f"{API}/project-applications/{app['id']}/submit", headers=auth(world.resident))
    assert r.json()["code"] == "call_not_accepting"
    r = await client.post(
        f"{API}/project-calls/{call['id']}/applications",
        json=application_body(),
        headers=auth(world.neighbour),
    )
    assert r.json()["code"] == "call_not_accepting"


async def test_incomplete_or_over_cap_applications_cannot_be_submitted(
    client: AsyncClient, world: World
) -> None:
    call = await new_call(client, world.staff, budget_cap_fen=100_000)
    app = await new_application(client, call["id"], world.resident, submit=False, milestones=[])
    r = await client.post(f"{API}/project-applications/{app['id']}/submit", headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (422, "incomplete_application")
    await client.patch(
        f"{API}/project-applications/{app['id']}",
        json={"milestones": [{"title": "开展"}]},
        headers=auth(world.resident),
    )
    r = await client.post(f"{API}/project-applications/{app['id']}/submit", headers=auth(world.resident))
    assert (r.status_code, r.json()["code"]) == (409, "over_budget_cap")
    r = await client.post(
        f"{API}/project-calls/{call['id']}/applications",
        json=application_body(category="不存在的类别"),
        headers=auth(world.resident),
    )
    assert r.json()["code"] == "unknown_category"


async def test_who_may_apply(client: AsyncClient, world: World, db: AsyncSession) -> None:
    orgs_only = await new_call(client, world.staff, open_to_residents=False, registered_only=True)
    r = await client.post(
        f"{API}/project-calls/{orgs_only['id']}/applications",
        json=application_body(),
        headers=auth(world.resident),
    )
    assert (r.status_code, r.json()["code"]) == (403, "applicant_not_allowed")
    org = (
        await client.post(
            f"{API}/organisations",
            json={"name": "夕阳红合唱团", "kind": "hobby_group", "leader_id": str(world.resident.id)},
            headers=auth(world.staff),
        )
    ).json()
    body = application_body(organisation_id=org["id"])
    r = await client.post(
        f"{API}/project-calls/{orgs_only['id']}/applications", json=body, headers=auth(world.neighbour)
    )
    assert r.json()["code"] == "not_organisation_leader"
    r = await client.post(
        f"{API}/project-calls/{orgs_only['id']}/applications", json=body, headers=auth(world.resident)
    )
    assert r.json()["code"] == "organisation_not_registered"
    await client.patch(
        f"{API}/organisations/{org['id']}", json={"status": "registered"}, headers=auth(world.staff)
    )
    r = await client.post(
        f"{API}/project-calls/{orgs_only['id']}/applications", json=body, headers=auth(world.resident)
    )
    assert r.status_code == 201, r.text
    assert r.json()["organisation"]["name"] == "夕阳红合唱团"
    # A resident of another community cannot see the call at all.
    r = await client.post(
        f"{API}/project-calls/{orgs_only['id']}/applications",
        json=application_body(),
        headers=auth(world.other_resident),
    )
    assert r.status_code == 404


async def test_drafts_are_private_until_eligible(client: AsyncClient, world: World, db: AsyncSession) -> None:
    call = await new_call(client, world.staff)
    mine = await new_application(client, call["id"], world.resident, submit=False)
    theirs = await new_application(client, call["id"], world.neighbour)
    listed = (
        await client.get(f"{API}/project-calls/{call['id']}/applications", headers=auth(world.resident))
    ).json()
    assert [a["id"] for a in listed["items"]] == [mine["id"]]
    r = await client.get(f"{API}/project-applications/{theirs['id']}", headers=auth(world.resident))
    assert r.status_code == 404
    staff_view = (
        await client.get(f"{API}/project-calls/{call['id']}/applications", headers=auth(world.staff))
    ).json()
    assert {a["id"] for a in staff_view["items"]} == {mine["id"], theirs["id"]}
    assert staff_view["items"][1]["applicant_name"] == "刘大爷"
    other = await make_user(db, community=world.other_community, roles=[(Role.staff, world.other_community)])
    r = await client.get(f"{API}/project-calls/{call['id']}/applications", headers=auth(other))
    assert r.status_code == 404
