"""The test database: a fresh embedded PostgreSQL per run (or a new database on TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.embedded import ensure_database, socket_url, start_embedded
from app.models import Base

# The suite's own server lives under a path with a space and longer than a Unix socket path may be,
# so every run proves the embedded server copes with both (issue #19, point 1).
ODD_DIR_NAME = "my linli " + "a-rather-long-directory-name-" * 3


@dataclass
class EmbeddedInfo:
    data_dir: Path | None = None


EMBEDDED = EmbeddedInfo()


def odd_data_dir() -> Path:
    """A fresh directory whose path has spaces and exceeds the ~107-byte socket path limit."""
    root = Path(tempfile.mkdtemp(prefix="linli test "))
    path = root / ODD_DIR_NAME
    path.mkdir()
    return path


@contextmanager
def embedded_server_url() -> Iterator[str]:
    data_dir = odd_data_dir()
    server = start_embedded(data_dir, cleanup_mode="delete")
    EMBEDDED.data_dir = data_dir
    try:
        ensure_database(server, "linli_test")
        yield socket_url(server, "linli_test")
    finally:
        server.stop()
        shutil.rmtree(data_dir.parent, ignore_errors=True)


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
