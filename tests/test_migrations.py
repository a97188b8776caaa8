"""Migrations are the schema: they match the models, and every revision downgrades."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.migrations import downgrade, include_object, upgrade
from app.models import Base


def _diff(connection) -> list[object]:  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(
        connection,
        opts={"include_object": include_object, "compare_type": True, "target_metadata": Base.metadata},
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], f"models and migrations differ; write a revision: {diff}"


def _sibling(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")


async def test_every_revision_downgrades_and_upgrades_again(database_url: str) -> None:
    name = f"linli_migr_{uuid.uuid4().hex[:8]}"
    plain = database_url.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(plain)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = _sibling(database_url, name)
        await asyncio.to_thread(upgrade, url, "head")
        await asyncio.to_thread(downgrade, url, "base")
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            tables = (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            ).all()
            types = (
                await conn.execute(
                    text(
                        "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'"
                    )
                )
            ).all()
        await engine.dispose()
        assert tables == [], f"downgrade left tables behind: {tables}"
        assert types == [], f"downgrade left enum types behind: {types}"
        await asyncio.to_thread(upgrade, url, "head")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
