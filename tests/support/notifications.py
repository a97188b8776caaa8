"""Builders and helpers for the notifications tests: notes, grants, the queue's tables, a served fake."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.models.identity import User
from app.models.notifications import Notification, SubscribeGrant
from app.notifications import service


async def make_notification(
    db: AsyncSession, user: User, *, kind: str = "system.test", title: str = "测试通知", **kw: Any
) -> Notification:
    return await service.notify(db, user_id=user.id, kind=kind, title=title, **kw)


async def give_grants(db: AsyncSession, user: User, template_id: str, remaining: int = 1) -> SubscribeGrant:
    row = SubscribeGrant(
        user_id=user.id, template_id=template_id, remaining=remaining, granted_total=remaining, spent_total=0
    )
    db.add(row)
    await db.flush()
    return row


async def truncate_queue(engine: AsyncEngine) -> None:
    """Empty procrastinate's tables (the shared truncate only knows our models)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,"
                " procrastinate_workers RESTART IDENTITY CASCADE"
            )
        )


async def jobs(engine: AsyncEngine, task: str | None = None) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT id, task_name, status::text AS status, args, attempts, scheduled_at, worker_id"
                    " FROM procrastinate_jobs WHERE CAST(:task AS varchar) IS NULL OR task_name = :task"
                    " ORDER BY id"
                ),
                {"task": task},
            )
        ).mappings()
        return [dict(r) for r in rows]


async def started_events(engine: AsyncEngine, job_id: int) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    text("SELECT count(*) FROM procrastinate_events WHERE job_id = :id AND type = 'started'"),
                    {"id": job_id},
                )
            ).scalar_one()
        )


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve an ASGI app (the WeChat fake) over real HTTP in a thread; yields its base URL.

    Real sockets matter: a worker subprocess can reach it, and client timeouts are real timeouts.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        while not server.started:
            threading.Event().wait(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


def new_id() -> uuid.UUID:
    return uuid.uuid4()
