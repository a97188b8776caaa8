"""Fixtures: one migrated PostgreSQL per run; each test inside a rolled-back outer transaction.

- `db`: a session joined to the test's outer transaction, for builders (tests/support/factories.py).
- `client`: httpx against the app, whose sessions join the same transaction through savepoints, so the
  app's own commit/rollback code runs for real and the test leaves nothing behind.
- `live_client`: for concurrency tests; the app uses real connections and commits; tables are
  truncated afterwards.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core import clock, workdays
from app.core.database import make_engine, make_sessionmaker
from app.core.migrations import upgrade_async
from app.main import create_app
from app.wechat.fake import create_fake_app
from tests.support.db import create_scratch_database, drop_scratch_database, embedded_server_url, truncate_all
from tests.support.factories import TEST_SETTINGS, World, make_world


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        url, name = await create_scratch_database(admin_url)
        await upgrade_async(url)
        yield url
        await drop_scratch_database(admin_url, name)
    else:
        with embedded_server_url() as url:
            await upgrade_async(url)
            yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, pool_size=20, max_overflow=40)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    # Holiday notices a test (or a live server it ran) entered are process-wide: none leak to the next.
    workdays.set_notices([])


@pytest.fixture
def wechat_fake():  # type: ignore[no-untyped-def]
    return create_fake_app()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[object]:
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield conn
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
async def db(connection) -> AsyncIterator[AsyncSession]:  # type: ignore[no-untyped-def]
    factory = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    async with factory() as session:
        yield session


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")  # type: ignore[arg-type]


@pytest.fixture
async def app(connection, wechat_fake):  # type: ignore[no-untyped-def]
    sessionmaker = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    return create_app(
        TEST_SETTINGS, sessionmaker=sessionmaker, wechat_transport=httpx.ASGITransport(app=wechat_fake)
    )


@pytest.fixture
async def client(app, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    # Builders' rows must be visible to the app: they share the connection, so a flush is enough.
    await db.flush()
    async with _client(app) as c:
        yield c


@pytest.fixture
async def world(db: AsyncSession) -> World:
    return await make_world(db)


# ---------------------------------------------------------------- real commits, for concurrency tests


@pytest.fixture
async def live_db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    await truncate_all(engine)
    async with make_sessionmaker(engine)() as session:
        yield session
    await truncate_all(engine)


@pytest.fixture
async def live_client(
    engine: AsyncEngine, live_db: AsyncSession, wechat_fake
) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """An app on the real engine: every request commits; build data with `live_db` and commit it."""
    live_app = create_app(
        TEST_SETTINGS,
        sessionmaker=make_sessionmaker(engine),
        wechat_transport=httpx.ASGITransport(app=wechat_fake),
    )
    async with _client(live_app) as c:
        yield c
