"""The worker (procrastinate) against the real test database: transactional enqueue, each job once with
several workers, a killed worker's job retried, periodic jobs on the app clock."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from typing import Any

import httpx
import procrastinate
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core import clock
from app.core.database import DB, make_sessionmaker
from app.core.errors import Conflict
from app.core.periodic import load_all
from app.core.settings import PROJECT_DIR
from app.main import create_app
from app.models.identity import OrgKind, User
from app.models.notifications import Delivery
from app.models.platform import IdempotencyRecord
from app.notifications.config import NotificationSettings
from app.notifications.sender import SEND_TASK, Runtime
from app.notifications.service import notify
from app.platform.queue import conninfo
from app.platform.worker import PERIODIC_PREFIX, make_queue_app, serve
from tests.notifications.conftest import FakeWechat
from tests.support.factories import TEST_SETTINGS, make_unit, make_user
from tests.support.notifications import give_grants, jobs, started_events, truncate_queue

TEMPLATE = "demo-ticket-progress"
OPTIONS: dict[str, Any] = {"install_signal_handlers": False, "listen_notify": False}


async def _residents(db: AsyncSession, n: int) -> list[User]:
    community = await make_unit(db, OrgKind.community, name="队列社区")
    users = []
    for _ in range(n):
        user = await make_user(db, community=community)
        await give_grants(db, user, TEMPLATE, 1)
        users.append(user)
    await db.commit()
    return users


async def _drain(app: procrastinate.App, config: NotificationSettings) -> None:
    await asyncio.wait_for(serve(app, config, wait=False, **OPTIONS), timeout=60)


async def test_rolled_back_request_enqueues_nothing_and_committed_one_runs_once(
    live_db: AsyncSession,
    engine: AsyncEngine,
    queue_app: procrastinate.App,
    runtime: Runtime,
    fake_wechat: FakeWechat,
    notification_config: NotificationSettings,
) -> None:
    (user,) = await _residents(live_db, 1)
    api = create_app(TEST_SETTINGS, sessionmaker=make_sessionmaker(engine))

    async def resolve(db: DB, fail: bool = False) -> dict[str, str]:
        note = await notify(db, user_id=user.id, kind="ticket.resolved", title="回滚" if fail else "已办结")
        if fail:
            raise Conflict()
        return {"id": str(note.id)}

    api.add_api_route("/test/resolve", resolve, methods=["POST"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://t") as client:
        assert (await client.post("/test/resolve", params={"fail": "true"})).status_code == 409
        assert await jobs(engine, SEND_TASK) == []
        r = await client.post("/test/resolve")
        assert r.status_code == 200
    (job,) = await jobs(engine, SEND_TASK)

    await _drain(queue_app, notification_config)

    assert [m["data"]["thing1"]["value"] for m in fake_wechat.state.sent] == ["已办结"]
    (job,) = await jobs(engine, SEND_TASK)
    assert job["status"] == "succeeded"
    assert await started_events(engine, job["id"]) == 1
    # Draining again finds nothing to do.
    await _drain(queue_app, notification_config)
    assert len(fake_wechat.state.sent) == 1


async def test_two_workers_run_each_job_once(
    live_db: AsyncSession,
    engine: AsyncEngine,
    queue_app: procrastinate.App,
    database_url: str,
    runtime: Runtime,
    fake_wechat: FakeWechat,
    notification_config: NotificationSettings,
) -> None:
    users = await _residents(live_db, 24)
    for user in users:
        await notify(live_db, user_id=user.id, kind="ticket.accepted", title="已受理")
    await live_db.commit()

    # A second app with its own connection pool: another machine, as far as the database can tell.
    other = make_queue_app(conninfo(database_url), max_size=4)
    async with other.open_async():
        await asyncio.gather(_drain(queue_app, notification_config), _drain(other, notification_config))

    assert sorted(m["touser"] for m in fake_wechat.state.sent) == sorted(u.openid for u in users)  # type: ignore[type-var]
    send_jobs = await jobs(engine, SEND_TASK)
    assert len(send_jobs) == 24
    for job in send_jobs:
        assert job["status"] == "succeeded"
        assert await started_events(engine, job["id"]) == 1
    statuses = (await live_db.execute(select(Delivery.status))).scalars().all()
    assert statuses == ["sent"] * 24


async def _wait_for(predicate: Any) -> None:
    async with asyncio.timeout(60):
        while not await predicate():  # noqa: ASYNC110 - polling another process through the database
            await asyncio.sleep(0.1)


async def test_a_worker_killed_mid_job_leaves_the_job_to_be_retried(
    live_db: AsyncSession,
    engine: AsyncEngine,
    queue_app: procrastinate.App,
    database_url: str,
    runtime: Runtime,
    fake_wechat: FakeWechat,
    notification_config: NotificationSettings,
) -> None:
    (user,) = await _residents(live_db, 1)
    note = await notify(live_db, user_id=user.id, kind="ticket.resolved", title="杀掉重来")
    await live_db.commit()
    delivery_id = (
        await live_db.execute(select(Delivery.id).where(Delivery.notification_id == note.id))
    ).scalar_one()

    env = os.environ | {
        "DATABASE_URL": database_url,
        "WECHAT_API_BASE": fake_wechat.url,
        "WECHAT_APPID": TEST_SETTINGS.wechat_appid,
        "WECHAT_SECRET": TEST_SETTINGS.wechat_secret,
        "JWT_SECRET": "x" * 40,
        "LINLI_ENV": "dev",
        "LINLI_WORKER_HEARTBEAT_SECONDS": "1",
        "LINLI_WORKER_POLL_SECONDS": "0.2",
    }
    async with engine.connect() as blocker:
        # Hold the delivery's row lock: the worker's job starts, then waits on it — mid-job.
        await blocker.execute(
            text("SELECT id FROM notification_deliveries WHERE id = :id FOR UPDATE"), {"id": delivery_id}
        )
        worker = subprocess.Popen(  # noqa: ASYNC220 - started once, waited on by polling the database
            [sys.executable, "-m", "app", "worker"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:

            async def doing() -> bool:
                send = await jobs(engine, SEND_TASK)
                return bool(send) and send[0]["status"] == "doing"

            await _wait_for(doing)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        await blocker.rollback()

    (job,) = await jobs(engine, SEND_TASK)
    assert job["status"] == "doing"  # nobody will finish it: its worker is gone
    assert fake_wechat.state.sent == []
    # Its heartbeat is now old (moved back, not waited for); the next worker puts the job back and runs it.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")
        )
    await _drain(queue_app, notification_config)

    assert [m["touser"] for m in fake_wechat.state.sent] == [user.openid]
    (job,) = await jobs(engine, SEND_TASK)
    assert job["status"] == "succeeded"
    assert await started_events(engine, job["id"]) == 2
    delivery = await live_db.get(Delivery, delivery_id)
    assert delivery is not None
    await live_db.refresh(delivery)
    assert delivery.status == "sent"


# ---------------------------------------------------------------- periodic jobs


def test_every_registered_periodic_job_is_a_procrastinate_periodic_task(queue_app: procrastinate.App) -> None:
    registered = load_all()
    assert "notifications.delete_expired_idempotency_records" in registered
    periodic = {p.task.name: p.cron for p in queue_app.periodic_registry.periodic_tasks.values()}
    assert periodic == {PERIODIC_PREFIX + name: job.cron for name, job in registered.items()}


async def test_periodic_job_runs_in_the_worker_with_the_app_clock(
    live_db: AsyncSession,
    engine: AsyncEngine,
    queue_app: procrastinate.App,
    runtime: Runtime,
    notification_config: NotificationSettings,
) -> None:
    ttl = timedelta(hours=TEST_SETTINGS.idempotency_ttl_hours)
    start = clock.now()
    live_db.add_all(
        [
            IdempotencyRecord(
                owner="u", key="old", request_hash="h", created_at=start - ttl - timedelta(hours=1)
            ),
            IdempotencyRecord(owner="u", key="new", request_hash="h", created_at=start - timedelta(hours=1)),
        ]
    )
    await live_db.commit()
    # The job sees the app clock: two hours on, "new" is still young and "old" has expired.
    clock.freeze(start + timedelta(minutes=30))
    task = queue_app.tasks[PERIODIC_PREFIX + "notifications.delete_expired_idempotency_records"]
    await task.defer_async(timestamp=int(start.timestamp()))
    await _drain(queue_app, notification_config)

    keys = (await live_db.execute(select(IdempotencyRecord.key))).scalars().all()
    assert keys == ["new"]
    await truncate_queue(engine)  # the worker's own periodic deferrer may have queued a run meanwhile
    clock.freeze(start + ttl)
    await task.defer_async(timestamp=int(start.timestamp()) + 60)
    await _drain(queue_app, notification_config)
    assert (await live_db.execute(select(IdempotencyRecord.key))).scalars().all() == []
