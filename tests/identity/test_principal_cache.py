"""The caller is resolved from a short in-process cache: the bound a revoked role keeps working is the
cache's lifetime (LINLI_PRINCIPAL_CACHE_SECONDS, docs/performance.md), and no longer."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity import principal_cache
from app.models.identity import Role, RoleGrant, User
from tests.support.factories import TEST_SETTINGS, World, auth

TTL = TEST_SETTINGS.linli_principal_cache_seconds


async def test_a_revoked_staff_role_stops_working_within_the_cache_lifetime(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    assert 0 < TTL <= 30
    headers = auth(world.staff)
    assert (await client.get("/api/v1/stats/tickets", headers=headers)).status_code == 200
    # Another API process (or a desk script) removes the role: this process has the caller cached.
    await db.execute(
        delete(RoleGrant).where(RoleGrant.user_id == world.staff.id, RoleGrant.role == Role.staff)
    )
    await db.flush()
    clock.advance(timedelta(seconds=TTL - 1))
    assert (await client.get("/api/v1/stats/tickets", headers=headers)).status_code == 200
    clock.advance(timedelta(seconds=2))
    r = await client.get("/api/v1/stats/tickets", headers=headers)
    assert r.status_code == 403


async def test_a_deactivated_account_is_refused_within_the_cache_lifetime(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    headers = auth(world.resident)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    await db.execute(update(User).where(User.id == world.resident.id).values(is_active=False))
    await db.flush()
    clock.advance(timedelta(seconds=TTL + 1))
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_changing_my_own_profile_is_seen_at_once_with_the_cache_on(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = auth(world.resident)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200  # now cached
    r = await client.patch("/api/v1/me", json={"name": "王阿姨"}, headers=headers)
    assert r.status_code == 200
    me = await client.get("/api/v1/me", headers=headers)
    assert me.json()["name"] == "王阿姨"


def test_the_cache_is_bounded() -> None:
    assert principal_cache.MAX_ENTRIES <= 100_000
