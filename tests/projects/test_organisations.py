"""Social organisations through HTTP: credit codes, members, services, volunteer hours from the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import User
from app.models.ledger import Transfer, TransferKind
from app.projects import credit_code
from tests.support.factories import World, auth, make_user
from tests.support.projects import API, VALID_CODES
from tests.support.volunteering import make_activity


def org_body(**extra: object) -> dict[str, object]:
    return {
        "name": "绿叶舟志愿服务队",
        "kind": "volunteer_team",
        "status": "registered",
        "description": "关爱长者、环境保护",
        "contact_name": "陈队长",
        "contact_phone": "13912345678",
    } | extra


@pytest.mark.parametrize("code", VALID_CODES)
def test_real_shaped_codes_pass_both_checks(code: str) -> None:
    assert credit_code.problem(code) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350100M000100Y4", "length"),  # 17 characters
        ("91350100M000100Y44", "check_character"),  # final check character wrong
        ("91350100M000100Y53", "organisation_code_check"),  # position 17 (organisation code check) wrong
        ("91350100M000I00Y43", "characters"),  # I is not in the code's character set
        ("9135O100M000100Y43", "characters"),  # a letter in the division code
        ("52440300MJL000009P", "organisation_code_check"),
        ("52440300MJL000008Q", "check_character"),
    ],
)
def test_invalid_codes_say_why(code: str, why: str) -> None:
    assert credit_code.problem(code) == why


async def test_staff_register_a_social_organisation_with_a_valid_code(
    client: AsyncClient, world: World
) -> None:
    r = await client.post(
        f"{API}/organisations",
        json=org_body(kind="social_org", name="乐龄社工服务中心", credit_code=" 52440300mjl000008p "),
        headers=auth(world.staff),
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["credit_code"] == "52440300MJL000008P"
    assert out["kind_label"] == "社会组织"
    assert out["status_label"] == "已登记"
    assert out["contact_phone"] == "13912345678"
    # The same code twice is a conflict.
    r = await client.post(
        f"{API}/organisations",
        json=org_body(kind="social_org", name="另一个", credit_code="52440300MJL000008P"),
        headers=auth(world.staff),
    )
    assert r.status_code == 409
    assert r.json()["code"] == "credit_code_taken"


async def test_an_invalid_code_is_refused_with_its_reason(client: AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/organisations",
        json=org_body(kind="social_org", credit_code="91350100M000100Y44"),
        headers=auth(world.staff),
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_credit_code"
    r = await client.post(f"{API}/organisations", json=org_body(kind="social_org"), headers=auth(world.staff))
    assert r.status_code == 422
    assert r.json()["code"] == "credit_code_required"


async def test_residents_cannot_register_and_other_communities_do_not_see_it(
    client: AsyncClient, world: World
) -> None:
    r = await client.post(f"{API}/organisations", json=org_body(), headers=auth(world.resident))
    assert r.status_code == 403
    r = await client.post(f"{API}/organisations", json=org_body(), headers=auth(world.staff))
    org = r.json()
    assert (
        await client.get(f"{API}/organisations/{org['id']}", headers=auth(world.other_resident))
    ).status_code == 404
    r = await client.patch(
        f"{API}/organisations/{org['id']}", json={"status": "inactive"}, headers=auth(world.other_staff)
    )
    assert r.status_code == 404
    r = await client.patch(
        f"{API}/organisations/{org['id']}", json={"status": "inactive"}, headers=auth(world.resident)
    )
    assert r.status_code == 403


async def test_members_with_one_leader_and_a_public_profile_without_phones(
    client: AsyncClient, world: World
) -> None:
    r = await client.post(
        f"{API}/organisations", json=org_body(leader_id=str(world.resident.id)), headers=auth(world.staff)
    )
    assert r.status_code == 201, r.text
    org = r.json()
    assert org["leader"]["user_id"] == str(world.resident.id)
    r = await client.post(
        f"{API}/organisations/{org['id']}/members",
        json={"user_id": str(world.neighbour.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    assert r.json()["member_count"] == 2
    # A second leader: 409; a second membership: 409; a resident of elsewhere: 409.
    r = await client.post(
        f"{API}/organisations/{org['id']}/members",
        json={"user_id": str(world.handler.id), "role": "leader"},
        headers=auth(world.staff),
    )
    assert r.json()["code"] == "leader_exists"
    r = await client.post(
        f"{API}/organisations/{org['id']}/members",
        json={"user_id": str(world.neighbour.id)},
        headers=auth(world.staff),
    )
    assert r.json()["code"] == "already_member"
    r = await client.post(
        f"{API}/organisations/{org['id']}/members",
        json={"user_id": str(world.other_resident.id)},
        headers=auth(world.staff),
    )
    assert r.json()["code"] == "not_resident_of_community"
    # The leader cannot simply leave; handing over first works.
    r = await client.delete(
        f"{API}/organisations/{org['id']}/members/{world.resident.id}", headers=auth(world.staff)
    )
    assert r.json()["code"] == "leader_cannot_leave"
    r = await client.post(
        f"{API}/organisations/{org['id']}/leader",
        json={"user_id": str(world.neighbour.id)},
        headers=auth(world.staff),
    )
    assert r.json()["leader"]["user_id"] == str(world.neighbour.id)
    # The public profile: masked names, no phone anywhere.
    r = await client.get(f"{API}/organisations/{org['id']}", headers=auth(world.handler))
    public = r.json()
    assert public["contact_phone"] is None
    assert "13912345678" not in r.text
    assert all("*" in m["name"] for m in public["members"])
    listed = (await client.get(f"{API}/organisations", headers=auth(world.resident))).json()
    assert [o["id"] for o in listed["items"]] == [org["id"]]


async def test_linking_a_social_org_service(client: AsyncClient, world: World) -> None:
    org = (await client.post(f"{API}/organisations", json=org_body(), headers=auth(world.staff))).json()
    centre = await client.post(
        f"{API}/services",
        json={"name": "棋牌室", "category": "文体", "location": "二楼"},
        headers=auth(world.staff),
    )
    r = await client.post(
        f"{API}/organisations/{org['id']}/services",
        json={"target_id": centre.json()["id"]},
        headers=auth(world.staff),
    )
    assert r.json()["code"] == "not_social_org_service"
    haircut = await client.post(
        f"{API}/services",
        json={
            "name": "便民理发",
            "category": "生活服务",
            "provider_kind": "social_org",
            "provider_name": org["name"],
        },
        headers=auth(world.staff),
    )
    r = await client.post(
        f"{API}/organisations/{org['id']}/services",
        json={"target_id": haircut.json()["id"]},
        headers=auth(world.staff),
    )
    assert r.status_code == 200, r.text
    assert [s["name"] for s in r.json()["services"]] == ["便民理发"]


async def _settled_activity(
    client: AsyncClient, db: AsyncSession, world: World, volunteers: list[User], minutes: int
) -> str:
    activity = await make_activity(
        db, world.community, world.staff, starts_in=timedelta(hours=-5), length=timedelta(minutes=minutes)
    )
    await db.flush()
    aid = str(activity.id)
    for v in volunteers:
        r = await client.post(
            f"{API}/activities/{aid}/attendance",
            json={
                "user_id": str(v.id),
                "checked_in_at": activity.start_at.isoformat(),
                "checked_out_at": activity.end_at.isoformat(),
            },
            headers=auth(world.staff),
        )
        assert r.status_code == 200, r.text
    assert (await client.post(f"{API}/activities/{aid}/finish", headers=auth(world.staff))).status_code == 200
    r = await client.post(f"{API}/activities/{aid}/settle", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    return aid


async def test_team_hours_equal_the_ledgers_sum_over_its_activities(
    client: AsyncClient, db: AsyncSession, world: World
) -> None:
    team = (await client.post(f"{API}/organisations", json=org_body(), headers=auth(world.staff))).json()
    volunteers = [await make_user(db, community=world.community) for _ in range(3)]
    ours = [
        await _settled_activity(client, db, world, volunteers, 90),
        await _settled_activity(client, db, world, volunteers[:2], 120),
    ]
    other = await _settled_activity(client, db, world, volunteers, 60)  # not the team's
    for aid in ours:
        r = await client.post(
            f"{API}/organisations/{team['id']}/activities", json={"target_id": aid}, headers=auth(world.staff)
        )
        assert r.status_code == 200, r.text
    r = await client.post(
        f"{API}/organisations/{team['id']}/activities", json={"target_id": ours[0]}, headers=auth(world.staff)
    )
    assert r.json()["code"] == "already_linked"
    ledger_sum = (
        await db.execute(
            select(func.sum(Transfer.amount)).where(
                Transfer.kind == TransferKind.volunteer_reward,
                Transfer.asset == "hours",
                Transfer.reference.in_([f"activity:{a}" for a in ours]),
            )
        )
    ).scalar_one()
    assert ledger_sum == 3 * 90 + 2 * 120
    r = await client.get(f"{API}/organisations/{team['id']}/hours", headers=auth(world.resident))
    assert r.status_code == 200, r.text
    assert r.json() | {} == {
        "organisation_id": team["id"],
        "year": clock.today().year,
        "minutes": ledger_sum,
        "hours": "8.5",
        "activities": 2,
    }
    profile = (await client.get(f"{API}/organisations/{team['id']}", headers=auth(world.resident))).json()
    assert profile["volunteer_minutes"] == ledger_sum
    # Another year holds none of it.
    r = await client.get(
        f"{API}/organisations/{team['id']}/hours",
        params={"year": clock.today().year - 1},
        headers=auth(world.staff),
    )
    assert r.json()["minutes"] == 0
    assert other not in ours
