"""Enqueue jobs inside the caller's transaction, straight into procrastinate's table.

`defer(db, task, args)` calls procrastinate's own SQL function `procrastinate_defer_jobs_v1` on the
request's SQLAlchemy connection. The job row is part of the request's transaction: a rolled-back request
enqueues nothing, a committed one is in the queue the moment the commit returns (no outbox to relay, no
window where the process can die between "committed" and "enqueued"). procrastinate's insert trigger
sends its NOTIFY on commit, so a listening worker picks the job up at once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_QUEUE = "default"

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    "CAST(:queue AS varchar), CAST(:task AS varchar), CAST(:priority AS integer), CAST(:lock AS text), "
    "CAST(NULL AS text), CAST(:args AS jsonb), CAST(:scheduled_at AS timestamptz)"
    ")::procrastinate_job_to_defer_v1])) AS id"
)


async def defer(
    db: AsyncSession,
    task: str,
    args: dict[str, Any],
    *,
    queue: str = DEFAULT_QUEUE,
    lock: str | None = None,
    priority: int = 0,
    scheduled_at: datetime | None = None,
) -> int:
    """Enqueue `task(**args)` in the current transaction; returns procrastinate's job id.

    `lock`: jobs sharing a lock never run at the same time. No queueing lock here: its unique index
    would abort the caller's transaction on a duplicate.
    """
    result = await db.execute(
        _DEFER,
        {
            "queue": queue,
            "task": task,
            "priority": priority,
            "lock": lock,
            "args": json.dumps(args),
            "scheduled_at": scheduled_at,
        },
    )
    return int(result.scalar_one())


def conninfo(url: str) -> str:
    """A libpq connection string (for psycopg) from our SQLAlchemy asyncpg URL.

    The embedded server is reached over a Unix socket given as `?host=/dir&port=N`; libpq takes both
    as ordinary keywords. asyncpg's `ssl=` becomes libpq's `sslmode=`.
    """
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    params: dict[str, Any] = {}
    for key, value in parsed.query.items():
        single = value[0] if isinstance(value, tuple) else value
        if key == "ssl":
            key = "sslmode"
            single = {"true": "require", "false": "disable"}.get(str(single).lower(), single)
        if key in ("prepared_statement_cache_size", "command_timeout", "server_settings"):
            continue
        params[key] = single
    if parsed.host:
        params["host"] = parsed.host
    if parsed.port:
        params["port"] = parsed.port
    if parsed.username:
        params["user"] = parsed.username
    if parsed.password:
        params["password"] = parsed.password
    if parsed.database:
        params["dbname"] = parsed.database
    return make_conninfo("", **params)
