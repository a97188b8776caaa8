"""Idempotency-Key: a replay returns the first response; the same key with another body is 422."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from app.models.identity import OrgUnit
from tests.support.factories import World, auth, make_unit, make_user


def _unit(world: World, name: str) -> dict[str, str]:
    return {"name": name, "kind": "grid", "parent_id": str(world.community.id)}


async def test_replay_returns_the_first_response(client: httpx.AsyncClient, db, world: World) -> None:  # type: ignore[no-untyped-def]
    headers = {**auth(world.admin), "Idempotency-Key": "k-1"}
    first = await client.post("/api/v1/org-units", json=_unit(world, "幂等网格"), headers=headers)
    second = await client.post("/api/v1/org-units", json=_unit(world, "幂等网格"), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers["idempotent-replayed"] == "true"
    count = await db.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.name == "幂等网格"))
    assert count == 1


async def test_same_key_different_body_is_422(client: httpx.AsyncClient, world: World) -> None:
    headers = {**auth(world.admin), "Idempotency-Key": "k-2"}
    await client.post("/api/v1/org-units", json=_unit(world, "A"), headers=headers)
    r = await client.post("/api/v1/org-units", json=_unit(world, "B"), headers=headers)
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"


async def test_keys_belong_to_their_caller(client: httpx.AsyncClient, db, world: World) -> None:  # type: ignore[no-untyped-def]
    from app.models.identity import Role

    admin2 = await make_user(db, roles=[(Role.admin, world.street)])
    r1 = await client.post(
        "/api/v1/org-units", json=_unit(world, "X1"), headers={**auth(world.admin), "Idempotency-Key": "same"}
    )
    r2 = await client.post(
        "/api/v1/org-units", json=_unit(world, "X2"), headers={**auth(admin2), "Idempotency-Key": "same"}
    )
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["id"] != r2.json()["id"]


async def test_failed_request_stores_nothing_so_a_retry_runs(client: httpx.AsyncClient, world: World) -> None:
    headers = {**auth(world.admin), "Idempotency-Key": "k-3"}
    bad = {"name": "G", "kind": "grid", "parent_id": str(world.street.id)}  # a grid cannot sit under a street
    assert (await client.post("/api/v1/org-units", json=bad, headers=headers)).status_code == 422
    again = await client.post("/api/v1/org-units", json=bad, headers=headers)
    assert again.json()["code"] == "invalid_org_unit"


async def test_key_length_is_validated(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/api/v1/org-units",
        json=_unit(world, "L"),
        headers={**auth(world.admin), "Idempotency-Key": "x" * 256},
    )
    assert r.status_code == 422


async def test_concurrent_duplicates_create_once_and_answer_alike(
    live_client: httpx.AsyncClient, live_db
) -> None:  # type: ignore[no-untyped-def]
    from app.models.identity import OrgKind, Role

    street = await make_unit(live_db, OrgKind.street)
    community = await make_unit(live_db, OrgKind.community, street)
    admin = await make_user(live_db, roles=[(Role.admin, street)])
    await live_db.commit()
    headers = {**auth(admin), "Idempotency-Key": "race"}
    body = {"name": "并发网格", "kind": "grid", "parent_id": str(community.id)}
    responses = await asyncio.gather(
        *(live_client.post("/api/v1/org-units", json=body, headers=headers) for _ in range(10))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    count = await live_db.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.name == "并发网格"))
    assert count == 1
