"""`unit_of_work`: the one way a job or a command owns a transaction (a request's session owns its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.core.database import after_commit, make_sessionmaker, on_rollback, unit_of_work


async def test_a_finished_block_commits_and_runs_its_after_commit_steps(connection) -> None:  # type: ignore[no-untyped-def]
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    ran: list[str] = []

    async def done() -> None:
        ran.append("after commit")

    async def undone() -> None:
        ran.append("undo")

    async with unit_of_work(factory) as db:
        await db.execute(text("CREATE TEMP TABLE uow_probe (n int)"))
        await db.execute(text("INSERT INTO uow_probe VALUES (1)"))
        after_commit(db, done)
        on_rollback(db, undone)
    assert ran == ["after commit"]
    assert (await connection.execute(text("SELECT count(*) FROM uow_probe"))).scalar_one() == 1


async def test_a_raising_block_rolls_back_and_runs_its_undo_steps(connection) -> None:  # type: ignore[no-untyped-def]
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    await connection.execute(text("CREATE TEMP TABLE uow_probe2 (n int)"))
    ran: list[str] = []

    async def undone() -> None:
        ran.append("undo")

    async def done() -> None:
        ran.append("after commit")

    async def failing_job() -> None:
        async with unit_of_work(factory) as db:
            await db.execute(text("INSERT INTO uow_probe2 VALUES (1)"))
            on_rollback(db, undone)
            after_commit(db, done)
            raise RuntimeError("the job failed")

    with pytest.raises(RuntimeError):
        await failing_job()
    assert ran == ["undo"]
    assert (await connection.execute(text("SELECT count(*) FROM uow_probe2"))).scalar_one() == 0
