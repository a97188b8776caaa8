"""Fixtures for the worker tests: a WeChat fake served over HTTP, the queue app, the worker runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import procrastinate
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.settings import Settings
from app.notifications.config import NotificationSettings
from app.notifications.sender import Runtime
from app.platform.queue import conninfo
from app.platform.worker import make_queue_app, worker_runtime
from app.wechat.fake import FakeState, create_fake_app
from tests.support.factories import TEST_SETTINGS
from tests.support.notifications import served, truncate_queue


class FakeWechat:
    def __init__(self, url: str, state: FakeState) -> None:
        self.url = url
        self.state = state


@pytest.fixture
def fake_wechat() -> Iterator[FakeWechat]:
    app = create_fake_app()
    with served(app) as url:
        yield FakeWechat(url, app.state.wechat)


@pytest.fixture
def worker_settings(fake_wechat: FakeWechat) -> Settings:
    return TEST_SETTINGS.model_copy(update={"wechat_api_base": fake_wechat.url})


@pytest.fixture
def notification_config() -> NotificationSettings:
    return NotificationSettings(
        worker_concurrency=2, worker_heartbeat_seconds=1, worker_stalled_seconds=5, worker_poll_seconds=0.2
    )


@pytest.fixture
async def clean_queue(engine: AsyncEngine) -> AsyncIterator[None]:
    await truncate_queue(engine)
    yield
    await truncate_queue(engine)


@pytest.fixture
async def queue_app(database_url: str, clean_queue: None) -> AsyncIterator[procrastinate.App]:
    app = make_queue_app(conninfo(database_url), max_size=4)
    async with app.open_async():
        yield app


@pytest.fixture
async def runtime(
    database_url: str, worker_settings: Settings, notification_config: NotificationSettings
) -> AsyncIterator[Runtime]:
    # A short client timeout so the "WeChat is slow" tests time out quickly.
    async with worker_runtime(database_url, worker_settings, notification_config, timeout=0.5) as rt:
        yield rt
