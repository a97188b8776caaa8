"""Issue #18 point 10: /metrics internal or token-protected, /docs off in prod, no self-grants, a long
JWT secret in prod, exports of personal data in the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import make_sessionmaker
from app.core.settings import Settings
from app.main import create_app
from app.models.platform import AuditEntry
from tests.support.factories import TEST_SETTINGS, World, auth
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"


def _client(
    connection: Any, wechat_fake: Any, address: str = "127.0.0.1", **settings: Any
) -> httpx.AsyncClient:
    app = create_app(
        TEST_SETTINGS.model_copy(update=settings),
        sessionmaker=make_sessionmaker(connection, join_transaction_mode="create_savepoint"),
        wechat_transport=httpx.ASGITransport(app=wechat_fake),
    )
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_metrics_only_for_internal_callers_without_a_token(connection: Any, wechat_fake: Any) -> None:
    async with _client(connection, wechat_fake, "114.114.114.114") as outside:
        assert (await outside.get("/metrics")).status_code == 404
    async with _client(connection, wechat_fake, "10.1.2.3") as inside:
        assert (await inside.get("/metrics")).status_code == 200
        relayed = await inside.get("/metrics", headers={"X-Forwarded-For": "114.114.114.114"})
        assert relayed.status_code == 404


async def test_metrics_need_the_token_when_one_is_set(connection: Any, wechat_fake: Any) -> None:
    async with _client(connection, wechat_fake, "10.1.2.3", metrics_token="s3cret-metrics") as c:
        assert (await c.get("/metrics")).status_code == 404
        assert (await c.get("/metrics", headers={"Authorization": "Bearer nope"})).status_code == 404
        ok = await c.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
        assert ok.status_code == 200
        assert b"linli_http_requests_total" in ok.content


async def test_docs_can_be_switched_off(connection: Any, wechat_fake: Any) -> None:
    async with _client(connection, wechat_fake, docs_enabled=False) as c:
        assert (await c.get("/docs")).status_code == 404
        assert (await c.get("/redoc")).status_code == 404
    async with _client(connection, wechat_fake) as c:
        assert (await c.get("/docs")).status_code == 200


def test_docs_are_off_by_default_in_prod() -> None:
    prod = Settings(
        linli_env="prod",
        jwt_secret="x" * 48,
        database_url="postgresql+asyncpg://db/linli",
        wechat_appid="wx-real",
        wechat_secret="real-secret",
    )
    assert prod.serve_docs is False
    assert TEST_SETTINGS.serve_docs is True


def test_prod_refuses_a_short_jwt_secret() -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(
            linli_env="prod",
            jwt_secret="too-short-secret",
            database_url="postgresql+asyncpg://db/linli",
            wechat_appid="wx-real",
            wechat_secret="real-secret",
        )


async def test_staff_cannot_grant_to_themselves(client: httpx.AsyncClient, world: World) -> None:
    body = {"user_id": str(world.staff.id), "asset": "points", "amount": 1000, "reason": "奖励自己"}
    r = await client.post(f"{API}/grants", json=body, headers=auth(world.staff))
    assert r.status_code == 403
    assert r.json()["code"] == "self_grant"
    body["user_id"] = str(world.resident.id)
    assert (await client.post(f"{API}/grants", json=body, headers=auth(world.staff))).status_code == 201


async def test_ticket_exports_are_audited(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await make_ticket(db, await make_category(db, world.community), world.resident)
    await db.flush()
    assert (await client.get(f"{API}/exports/tickets.csv", headers=auth(world.staff))).status_code == 200
    assert (await client.get(f"{API}/exports/tickets.xlsx", headers=auth(world.staff))).status_code == 200
    entries = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "tickets.export"))).scalars().all()
    )
    assert [(e.actor_id, e.detail["rows"]) for e in entries] == [(world.staff.id, 1), (world.staff.id, 1)]
