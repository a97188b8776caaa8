"""Org tree, roles, invitations and desk accounts; scope is 404, role is 403."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.core import clock
from app.models.identity import Role
from tests.support.factories import World, auth, make_user


async def _invite(client: httpx.AsyncClient, who, **body) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/invitations", json=body, headers=auth(who))


async def test_staff_invites_a_handler_who_accepts_once(client: httpx.AsyncClient, db, world: World) -> None:  # type: ignore[no-untyped-def]
    r = await _invite(client, world.staff, role="handler", org_unit_id=str(world.department.id))
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    invitee = await make_user(db, community=world.community)

    accepted = await client.post(f"/api/v1/invitations/{code}/accept", headers=auth(invitee))
    assert accepted.status_code == 200, accepted.text
    roles = accepted.json()["roles"]
    assert {
        "role": "handler",
        "org_unit_id": str(world.department.id),
        "merchant_id": None,
        "building_id": None,
    } in roles

    again = await client.post(f"/api/v1/invitations/{code}/accept", headers=auth(world.neighbour))
    assert again.status_code == 409
    assert again.json()["code"] == "invitation_used"


async def test_expired_invitation_is_refused(client: httpx.AsyncClient, world: World) -> None:
    code = (await _invite(client, world.staff, role="staff", org_unit_id=str(world.community.id))).json()[
        "code"
    ]
    clock.advance(timedelta(days=8))
    r = await client.post(f"/api/v1/invitations/{code}/accept", headers=auth(world.neighbour))
    assert r.status_code == 409
    assert r.json()["code"] == "invitation_expired"


async def test_unknown_invitation_code_is_404_and_guessing_is_rate_limited(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(10):
        r = await client.post("/api/v1/invitations/NOPE2345/accept", headers=auth(world.neighbour))
        assert r.status_code == 404
        assert r.json()["code"] == "invitation_not_found"
    r = await client.post("/api/v1/invitations/NOPE2345/accept", headers=auth(world.neighbour))
    assert r.status_code == 429


async def test_merchant_invitation_binds_the_merchant(client: httpx.AsyncClient, world: World) -> None:
    r = await _invite(client, world.staff, role="merchant", merchant_id=str(world.merchant.id))
    assert r.status_code == 201, r.text
    accepted = await client.post(
        f"/api/v1/invitations/{r.json()['code']}/accept", headers=auth(world.neighbour)
    )
    assert {
        "role": "merchant",
        "org_unit_id": str(world.community.id),
        "merchant_id": str(world.merchant.id),
        "building_id": None,
    } in (accepted.json()["roles"])


async def test_staff_cannot_invite_into_another_community(client: httpx.AsyncClient, world: World) -> None:
    r = await _invite(client, world.staff, role="handler", org_unit_id=str(world.other_department.id))
    assert r.status_code == 404
    r = await _invite(client, world.staff, role="merchant", merchant_id=str(world.other_merchant.id))
    assert r.status_code == 404


async def test_staff_cannot_mint_admins(client: httpx.AsyncClient, world: World) -> None:
    r = await _invite(client, world.staff, role="admin", org_unit_id=str(world.community.id))
    assert r.status_code == 403


async def test_resident_cannot_invite(client: httpx.AsyncClient, world: World) -> None:
    r = await _invite(client, world.resident, role="handler", org_unit_id=str(world.department.id))
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


async def test_handler_role_needs_a_department_or_grid(client: httpx.AsyncClient, world: World) -> None:
    r = await _invite(client, world.staff, role="handler", org_unit_id=str(world.community.id))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_org_unit"


async def test_admin_invites_staff_anywhere_in_the_street(client: httpx.AsyncClient, world: World) -> None:
    r = await _invite(client, world.admin, role="staff", org_unit_id=str(world.other_community.id))
    assert r.status_code == 201


async def test_admin_builds_the_org_tree(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/api/v1/org-units",
        json={"name": "新社区", "kind": "community", "parent_id": str(world.street.id)},
        headers=auth(world.admin),
    )
    assert r.status_code == 201, r.text
    community = r.json()
    assert community["community_id"] == community["id"]
    grid = await client.post(
        "/api/v1/org-units",
        json={"name": "新网格", "kind": "grid", "parent_id": community["id"]},
        headers=auth(world.admin),
    )
    assert grid.json()["community_id"] == community["id"]
    wrong = await client.post(
        "/api/v1/org-units",
        json={"name": "错", "kind": "grid", "parent_id": str(world.street.id)},
        headers=auth(world.admin),
    )
    assert wrong.status_code == 422


async def test_staff_cannot_create_org_units(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/api/v1/org-units",
        json={"name": "x", "kind": "grid", "parent_id": str(world.community.id)},
        headers=auth(world.staff),
    )
    assert r.status_code == 403


async def test_admin_of_one_street_cannot_touch_another(client: httpx.AsyncClient, db, world: World) -> None:  # type: ignore[no-untyped-def]
    from app.models.identity import OrgKind
    from tests.support.factories import make_unit

    other_street = await make_unit(db, OrgKind.street)
    other_admin = await make_user(db, roles=[(Role.admin, other_street)])
    r = await client.patch(
        f"/api/v1/org-units/{world.community.id}", json={"name": "夺"}, headers=auth(other_admin)
    )
    assert r.status_code == 404


async def test_org_units_are_listed_with_cursor_pages(client: httpx.AsyncClient, world: World) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/org-units", params=params, headers=auth(world.resident))).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 6
    bad = await client.get("/api/v1/org-units", params={"cursor": "!!!"}, headers=auth(world.resident))
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


async def test_resident_joins_a_community_and_binds_a_phone(client: httpx.AsyncClient, world: World) -> None:
    login = (await client.post("/api/v1/auth/wechat-login", json={"code": "new-person"})).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    r = await client.patch(
        "/api/v1/me", json={"name": "孙奶奶", "community_id": str(world.community.id)}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["community_id"] == str(world.community.id)
    assert {
        "role": "resident",
        "org_unit_id": str(world.community.id),
        "merchant_id": None,
        "building_id": None,
    } in r.json()["roles"]
    phone = await client.post("/api/v1/auth/phone", json={"code": "phone-13812345678"}, headers=headers)
    assert phone.status_code == 200
    assert phone.json()["phone"] == "13812345678"
    grid = await client.patch("/api/v1/me", json={"community_id": str(world.grid.id)}, headers=headers)
    assert grid.status_code == 422


async def test_phone_binding_with_a_bad_code(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post("/api/v1/auth/phone", json={"code": "invalid-x"}, headers=auth(world.resident))
    assert r.status_code == 401
    assert r.json()["code"] == "wechat_code_invalid"


async def test_phone_binding_refreshes_an_expired_access_token(
    client: httpx.AsyncClient, world: World, wechat_fake
) -> None:  # type: ignore[no-untyped-def]
    assert (
        await client.post("/api/v1/auth/phone", json={"code": "p1"}, headers=auth(world.resident))
    ).status_code == 200
    wechat_fake.state.wechat.fail_next["/wxa/business/getuserphonenumber"] = [40001]
    r = await client.post("/api/v1/auth/phone", json={"code": "p2"}, headers=auth(world.resident))
    assert r.status_code == 200, r.text
    assert wechat_fake.state.wechat.token_calls == 2


async def test_access_token_is_cached_between_calls(
    client: httpx.AsyncClient, world: World, wechat_fake
) -> None:  # type: ignore[no-untyped-def]
    for code in ("a", "b", "c"):
        await client.post("/api/v1/auth/phone", json={"code": code}, headers=auth(world.resident))
    assert wechat_fake.state.wechat.token_calls == 1


async def test_admin_creates_a_desk_account(client: httpx.AsyncClient, world: World) -> None:
    body = {
        "username": "desk.wang",
        "password": "a-long-password",
        "name": "王前台",
        "roles": [{"role": "staff", "org_unit_id": str(world.community.id)}],
    }
    r = await client.post("/api/v1/users", json=body, headers=auth(world.admin))
    assert r.status_code == 201, r.text
    login = await client.post(
        "/api/v1/auth/token", data={"username": "desk.wang", "password": "a-long-password"}
    )
    assert login.status_code == 200
    dup = await client.post("/api/v1/users", json=body, headers=auth(world.admin))
    assert dup.status_code == 409
    assert dup.json()["code"] == "username_taken"
    short = await client.post(
        "/api/v1/users", json={**body, "username": "x2", "password": "short"}, headers=auth(world.admin)
    )
    assert short.status_code == 422


async def test_staff_cannot_create_desk_accounts(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/api/v1/users",
        json={
            "username": "sneaky",
            "password": "a-long-password",
            "name": "x",
            "roles": [{"role": "admin", "org_unit_id": str(world.street.id)}],
        },
        headers=auth(world.staff),
    )
    assert r.status_code == 403


async def test_staff_actions_are_audited(client: httpx.AsyncClient, db, world: World) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.models.platform import AuditEntry

    await _invite(client, world.staff, role="handler", org_unit_id=str(world.department.id))
    rows = (await db.execute(select(AuditEntry).where(AuditEntry.actor_id == world.staff.id))).scalars().all()
    assert [r.action for r in rows] == ["invitation.create"]
    assert rows[0].request_id
