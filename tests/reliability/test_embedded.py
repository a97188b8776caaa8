"""Point 1: the embedded PostgreSQL works from a path with spaces and longer than a socket path may be."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import pytest

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


def _resolve_in_child(name: str, start: Any, results: Any) -> None:
    import pwd

    from app.core import embedded

    start.wait()
    try:
        got = embedded._run_user(name)
        assert got == name
        uid = pwd.getpwnam(name).pw_uid
        results.put((uid, pwd.getpwuid(uid).pw_name))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(repr(exc))


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("useradd") is None,
    reason="creates a system user: root with useradd only",
)
def test_several_processes_creating_the_server_user_at_once_agree_on_one_uid() -> None:
    """Point 0: a new machine's first `make test` lost a worker to two racing `useradd`s.

    A throwaway name stands in for `embedded_postgres` (which the suite's own server is running as, so
    it cannot be deleted here); the code path is the same. Before the lock, 6 processes saw two uids and
    one failed `getpwuid`.
    """
    import multiprocessing
    import pwd

    name = f"linli_ut_{os.getpid()}"[:32]
    subprocess.run(["userdel", name], capture_output=True, check=False)
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    children = [ctx.Process(target=_resolve_in_child, args=(name, start, results)) for _ in range(6)]
    try:
        for child in children:
            child.start()
        start.set()
        seen = [results.get(timeout=60) for _ in children]
        for child in children:
            child.join(timeout=30)
        assert all(isinstance(item, tuple) for item in seen), seen
        assert len({uid for uid, _ in seen}) == 1, seen
        uid = seen[0][0]
        assert pwd.getpwnam(name).pw_uid == uid
        assert pwd.getpwuid(uid).pw_name == name
        passwd = Path("/etc/passwd").read_text().splitlines()
        assert sum(line.startswith(f"{name}:") for line in passwd) == 1
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
        subprocess.run(["userdel", name], capture_output=True, check=False)
    with pytest.raises(KeyError):
        pwd.getpwnam(name)
    # The real server user is untouched (and still resolves both ways).
    from app.core.embedded import SYSTEM_USER, _resolves, _run_user

    assert _run_user() == SYSTEM_USER
    assert _resolves(SYSTEM_USER) is not None


async def test_the_embedded_cluster_gives_chinese_text_trigrams(database_url: str) -> None:
    """LC_CTYPE C.UTF-8 (sorting stays C): pg_trgm indexes 楼道灯, so a Chinese search can use the index."""
    from app.core.embedded import character_type

    if EMBEDDED.data_dir is None or character_type() != "C.UTF-8":
        pytest.skip("the suite runs on a given server, or this C library has no C.UTF-8")
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    conn = await asyncpg.connect(
        host=url.query["host"], port=int(url.query["port"]), user="postgres", database=url.database
    )
    try:
        ctype, collate = await conn.fetchrow(
            "SELECT datctype, datcollate FROM pg_database WHERE datname = current_database()"
        )
        assert (ctype, collate) == ("C.UTF-8", "C")
        assert await conn.fetchval("SELECT cardinality(show_trgm('楼道灯'))") > 0
        assert await conn.fetchval("SELECT lower('ＡＢＣ楼')") == "ａｂｃ楼"  # as Python's str.lower()
    finally:
        await conn.close()
