"""The command line: a production start without secrets refuses clearly; create-admin works."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.settings import PROJECT_DIR
from app.models.identity import OrgKind, OrgUnit, Role, RoleGrant, User
from tests.support.db import truncate_all


@pytest.fixture
async def _committed(engine: AsyncEngine) -> AsyncIterator[None]:
    """create-admin runs in its own process and commits: empty the tables afterwards."""
    yield
    await truncate_all(engine)


def test_production_start_without_secrets_refuses_with_a_clear_message() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "DATABASE_", "WECHAT_"))}
    env["LINLI_ENV"] = "prod"
    done = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refusing to start" in done.stderr
    assert "JWT_SECRET" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.usefixtures("_committed")
def test_create_admin_makes_the_root_street_and_is_idempotent(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "LINLI_ENV": "dev"}
    for _ in range(2):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "create-admin",
                "--username",
                "root1",
                "--password",
                "a-long-password",
            ],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr


@pytest.mark.usefixtures("_committed")
async def test_created_admin_can_sign_in(database_url: str, client, db) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "DATABASE_URL": database_url, "LINLI_ENV": "dev"}
    await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app", "create-admin", "--username", "root2", "--password", "a-long-password"],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    user = (await db.execute(select(User).where(User.username == "root2"))).scalar_one()
    grant = (await db.execute(select(RoleGrant).where(RoleGrant.user_id == user.id))).scalar_one()
    street = await db.get(OrgUnit, grant.org_unit_id)
    assert grant.role is Role.admin
    assert street is not None
    assert street.kind is OrgKind.street
    r = await client.post("/api/v1/auth/token", data={"username": "root2", "password": "a-long-password"})
    assert r.status_code == 200
