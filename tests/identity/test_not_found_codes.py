"""Identity's 404s carry their own codes: org_unit_not_found, user_not_found, merchant_not_found."""

from __future__ import annotations

import uuid

import httpx

from tests.support.factories import World, auth

API = "/api/v1"


async def test_identity_not_founds_name_what_is_missing(client: httpx.AsyncClient, world: World) -> None:
    unknown = uuid.uuid4()
    unit = await client.get(f"{API}/org-units/{unknown}", headers=auth(world.staff))
    assert (unit.status_code, unit.json()["code"]) == (404, "org_unit_not_found")
    user = await client.put(
        f"{API}/users/{world.other_resident.id}/eligibility",
        json={"subsidy_eligible": True},
        headers=auth(world.staff),
    )
    assert (user.status_code, user.json()["code"]) == (404, "user_not_found")
    merchant = await client.post(
        f"{API}/invitations",
        json={"role": "merchant", "merchant_id": str(world.other_merchant.id)},
        headers=auth(world.staff),
    )
    assert (merchant.status_code, merchant.json()["code"]) == (404, "merchant_not_found")
    outside = await client.post(
        f"{API}/invitations",
        json={"role": "handler", "org_unit_id": str(world.other_department.id)},
        headers=auth(world.staff),
    )
    assert (outside.status_code, outside.json()["code"]) == (404, "org_unit_not_found")
