"""Point 1: the embedded PostgreSQL works from a path with spaces and longer than a socket path may be."""

from __future__ import annotations

import shutil

import asyncpg

from app.core.embedded import ensure_database, start_embedded
from tests.support.db import EMBEDDED, odd_data_dir


async def _select_one(server_url: str) -> int:
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    conn = await asyncpg.connect(
        host=url.query["host"], port=int(url.query["port"]), user="postgres", database=url.database
    )
    try:
        return int(await conn.fetchval("SELECT 1"))
    finally:
        await conn.close()


async def test_embedded_server_runs_from_a_path_with_spaces_and_a_long_name(database_url: str) -> None:
    if EMBEDDED.data_dir is not None:
        # The suite's own server already lives in such a path: check it is the odd one, and use it.
        data_dir, server, started = EMBEDDED.data_dir, None, False
    else:  # TEST_DATABASE_URL given: start one here (a few seconds)
        data_dir = odd_data_dir()
        server, started = start_embedded(data_dir, cleanup_mode="delete"), True
    try:
        socket_there = data_dir / "pg" / ".s.PGSQL.5432"
        assert " " in str(data_dir)
        assert len(str(socket_there).encode()) > 107  # a socket there could not even be bound
        if server is not None:
            ensure_database(server, "odd path")
            ensure_database(server, "odd path")  # idempotent, and no shell sees the name
            assert await _select_one(server.url("odd path")) == 1
            assert len(str(server.socket_dir)) < 40
        else:
            assert await _select_one(database_url) == 1
    finally:
        if started and server is not None:
            server.stop()
            assert not server.is_running()
            assert not server.socket_dir.exists()
            shutil.rmtree(data_dir.parent, ignore_errors=True)
