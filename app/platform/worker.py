"""`python -m app worker`: procrastinate's worker on our database, with every task and periodic job.

- Tasks: the subscribe-message sender, and one task per periodic job of `app.core.periodic`
  (every domain's `app.<domain>.jobs`), scheduled by procrastinate's periodic deferrer. Each worker runs
  the deferrer; a unique row per (task, tick) in `procrastinate_periodic_defers` makes the tick run once
  however many workers there are, and a queueing lock + lock per periodic job keeps it from piling up
  or overlapping itself.
- Several workers (on several machines) fetch with `SELECT … FOR UPDATE SKIP LOCKED`, so a job runs on
  one worker at a time.
- A killed worker stops sending heartbeats; every worker checks for jobs still `doing` on a worker
  silent for `LINLI_WORKER_STALLED_SECONDS` and puts them back in the queue (`retry_stalled_jobs`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc

from app.core import clock
from app.core.database import make_engine, make_sessionmaker, unit_of_work
from app.core.periodic import PeriodicJob, load_all
from app.core.settings import Settings
from app.holidays.service import keep_fresh
from app.notifications.config import NotificationSettings, get_notification_settings
from app.notifications.sender import SEND_TASK, Runtime, send_delivery
from app.platform import queue as job_queue
from app.wechat.client import WechatClient

log = logging.getLogger("linli.worker")

PERIODIC_PREFIX = "periodic:"

_runtime: Runtime | None = None


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the worker runtime is not set (use worker_runtime())")
    return _runtime


async def run_periodic(rt: Runtime, job: PeriodicJob) -> int:
    """One run of a periodic job: its own session, the app clock's now, committed."""
    async with unit_of_work(rt.sessionmaker) as db:
        changed = await job.fn(db, clock.now())
    log.info("periodic job ran", extra={"job": job.name, "changed": changed})
    return changed


def _add_periodic(app: procrastinate.App, job: PeriodicJob) -> None:
    name = PERIODIC_PREFIX + job.name

    async def run(timestamp: int) -> int:
        return await run_periodic(runtime(), job)

    run.__name__ = run.__qualname__ = name.replace(":", "_").replace(".", "_")
    task = app.task(name=name, queue="periodic", lock=name, queueing_lock=name)(run)
    app.periodic(cron=job.cron, periodic_id="")(task)


def make_queue_app(conninfo: str, **pool: Any) -> procrastinate.App:
    """A procrastinate App on `conninfo` with our tasks and every registered periodic job."""
    pool.setdefault("min_size", 1)
    pool.setdefault("max_size", 10)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo, **pool))

    @app.task(name=SEND_TASK, queue=job_queue.DEFAULT_QUEUE)
    async def send_subscribe_message(delivery_id: str, attempt: int) -> str:
        return await send_delivery(runtime(), uuid.UUID(delivery_id), attempt)

    for job in load_all().values():
        _add_periodic(app, job)
    return app


async def retry_stalled_jobs(app: procrastinate.App, seconds_since_heartbeat: float) -> int:
    """Put back in the queue the jobs of workers that stopped sending heartbeats (killed, lost)."""
    retried = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat):
        try:
            await app.job_manager.retry_job(job)
        except pexc.ConnectorException:
            continue  # another worker got it first, or it just finished
        retried += 1
        log.warning("retried a stalled job", extra={"job_id": job.id, "task": job.task_name})
    return retried


@contextlib.asynccontextmanager
async def worker_runtime(
    url: str, settings: Settings, config: NotificationSettings | None = None, **wechat: Any
) -> AsyncIterator[Runtime]:
    """Set the process's runtime (engine, sessions, WeChat client) for the jobs, and tear it down."""
    global _runtime
    config = config or get_notification_settings()
    engine = make_engine(url, pool_size=max(2, config.worker_concurrency), max_overflow=5)
    client = WechatClient(
        settings.wechat_api_base,
        settings.wechat_appid,
        settings.wechat_secret,
        timeout=wechat.pop("timeout", settings.wechat_timeout_seconds),
        **wechat,
    )
    _runtime = Runtime(sessionmaker=make_sessionmaker(engine), wechat=client, config=config)
    # Deadlines computed in jobs follow the holiday notices admins entered (reloaded every minute or so).
    calendar = asyncio.create_task(keep_fresh(_runtime.sessionmaker))
    try:
        yield _runtime
    finally:
        calendar.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await calendar
        _runtime = None
        await client.aclose()
        await engine.dispose()


async def serve(
    app: procrastinate.App, config: NotificationSettings, *, wait: bool = True, **options: Any
) -> None:
    """Run one worker until it is stopped (SIGINT/SIGTERM) — or, with wait=False, until the queue is empty."""

    async def recover() -> None:
        while True:
            with contextlib.suppress(Exception):
                await retry_stalled_jobs(app, config.worker_stalled_seconds)
            await asyncio.sleep(config.worker_stalled_check_seconds)

    options.setdefault("concurrency", config.worker_concurrency)
    options.setdefault("update_heartbeat_interval", config.worker_heartbeat_seconds)
    options.setdefault("stalled_worker_timeout", config.worker_stalled_seconds)
    options.setdefault("fetch_job_polling_interval", config.worker_poll_seconds)
    await retry_stalled_jobs(app, config.worker_stalled_seconds)
    recovery = asyncio.create_task(recover(), name="stalled-job recovery")
    try:
        await app.run_worker_async(wait=wait, **options)
    finally:
        recovery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recovery


async def main(url: str, settings: Settings) -> None:
    config = get_notification_settings()
    app = make_queue_app(job_queue.conninfo(url), max_size=config.worker_concurrency + 4)
    async with worker_runtime(url, settings, config), app.open_async():
        log.info(
            "worker started",
            extra={"tasks": sorted(app.tasks), "concurrency": config.worker_concurrency},
        )
        await serve(app, config)


def run_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Entry point of `python -m app worker`: work until stopped (SIGINT/SIGTERM finish running jobs).

    With the embedded database (no DATABASE_URL, one dev machine) it migrates first, like `serve`;
    with DATABASE_URL the deployment runs `migrate` once, not every worker racing to.
    """
    from app.core.migrations import upgrade
    from app.core.runtime import database_url

    url = database_url(settings)
    if not settings.database_url:
        upgrade(url)
    asyncio.run(main(url, settings))
    return 0
