"""The test database: a fresh embedded PostgreSQL per run (or a new database on TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.embedded import ensure_database, socket_url, start_embedded
from app.models import Base


@contextmanager
def embedded_server_url() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="linli-test-"))
    server = start_embedded(root, cleanup_mode="delete")
    try:
        ensure_database(server, "linli_test")
        yield socket_url(server, "linli_test")
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def create_scratch_database(admin_url: str) -> tuple[str, str]:
    """A new, empty database on the server of TEST_DATABASE_URL; returns (url, name)."""
    name = f"linli_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(_plain(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, query = admin_url.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
    if not url.startswith("postgresql+asyncpg://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url, name


async def drop_scratch_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(_plain(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table (concurrency tests commit for real and clean up after themselves)."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
