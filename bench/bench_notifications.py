"""Notifications: notify() cost inside a request-sized transaction, and worker throughput sending
subscribe messages to the WeChat fake over HTTP (fresh embedded PostgreSQL, ~30 s)."""

from __future__ import annotations

import time

from app.core.database import make_engine, make_sessionmaker
from app.core.migrations import upgrade_async
from app.models.identity import User
from app.models.notifications import SubscribeGrant
from app.notifications.config import NotificationSettings
from app.notifications.service import notify
from app.platform.queue import conninfo
from app.platform.worker import make_queue_app, serve, worker_runtime
from app.wechat.fake import create_fake_app
from tests.support.db import embedded_server_url
from tests.support.factories import TEST_SETTINGS
from tests.support.notifications import served

USERS = 400
TEMPLATE = "demo-ticket-progress"


async def _users(factory, n: int) -> list[User]:  # type: ignore[no-untyped-def]
    async with factory() as db:
        users = [User(name=f"居民{i}", openid=f"bench-openid-{i}") for i in range(n)]
        db.add_all(users)
        await db.flush()
        db.add_all(
            SubscribeGrant(user_id=u.id, template_id=TEMPLATE, remaining=5, granted_total=5, spent_total=0)
            for u in users
        )
        await db.commit()
        return users


async def _notify_all(factory, users: list[User], kind: str) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for user in users:
        async with factory() as db:  # one transaction each, like a request
            await notify(db, user_id=user.id, kind=kind, title="您的工单已办结", body="感谢反馈")
            await db.commit()
    return time.perf_counter() - start


async def main() -> None:
    with embedded_server_url() as url:
        await upgrade_async(url)
        engine = make_engine(url, pool_size=10)
        factory = make_sessionmaker(engine)
        users = await _users(factory, USERS)

        inbox_only = await _notify_all(factory, users, "system.bench")
        print(f"notify() inbox only:         {inbox_only / USERS * 1000:6.2f} ms per committed transaction")  # noqa: T201
        with_send = await _notify_all(factory, users, "ticket.resolved")
        print(f"notify() + delivery + job:   {with_send / USERS * 1000:6.2f} ms per committed transaction")  # noqa: T201

        fake = create_fake_app()
        with served(fake) as fake_url:
            settings = TEST_SETTINGS.model_copy(update={"wechat_api_base": fake_url})
            for concurrency in (1, 8):
                config = NotificationSettings(worker_concurrency=concurrency, worker_poll_seconds=0.2)
                if concurrency > 1:
                    await _notify_all(factory, users, "ticket.accepted")
                app = make_queue_app(conninfo(url), max_size=concurrency + 2)
                sent_before = len(fake.state.wechat.sent)
                async with worker_runtime(url, settings, config), app.open_async():
                    start = time.perf_counter()
                    await serve(app, config, wait=False, install_signal_handlers=False, listen_notify=False)
                    elapsed = time.perf_counter() - start
                sent = len(fake.state.wechat.sent) - sent_before
                print(  # noqa: T201
                    f"worker concurrency {concurrency}:       {sent} messages in {elapsed:5.1f} s"
                    f" = {sent / elapsed:6.1f} messages/s"
                )
        await engine.dispose()
