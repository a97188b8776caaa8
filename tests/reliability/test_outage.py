"""Points 2 and 3: a database outage is 503 database_unavailable + Retry-After, never 500; any exception
that still escapes is one 500 problem+json with the request id, logged once, and the keep-alive
connection stays usable (proved on a real uvicorn server with one TCP connection)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from app.core.database import DB, make_engine, make_sessionmaker
from app.main import create_app
from tests.support.factories import TEST_SETTINGS


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(lambda: f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/linli", id="refused"),
        pytest.param(
            lambda: "postgresql+asyncpg://postgres@/linli?host=/tmp/linli-gone&port=5432", id="socket-gone"
        ),
    ],
)
async def test_a_database_that_is_down_answers_503_with_retry_after(url) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url(), pool_size=1, max_overflow=0)
    app = create_app(TEST_SETTINGS, sessionmaker=make_sessionmaker(engine))
    try:
        async with _client(app) as c:
            write = await c.post("/api/v1/auth/token", data={"username": "u", "password": "p"})
            ready = await c.get("/readyz")
    finally:
        await engine.dispose()
    assert write.status_code == 503, write.text
    assert write.headers["content-type"].startswith("application/problem+json")
    assert write.json()["code"] == "database_unavailable"
    assert write.headers["retry-after"] == "5"
    assert ready.status_code == 503


def _wrapped(error: Exception) -> sa_exc.DBAPIError:
    """What SQLAlchemy raises for a driver error: the driver's exception as `.orig`."""
    return sa_exc.OperationalError("SELECT 1", {}, error)


@pytest.mark.parametrize(
    ("error", "code", "retry_after"),
    [
        (asyncpg.TooManyConnectionsError("too many connections"), "database_unavailable", "5"),
        (asyncpg.AdminShutdownError("terminating connection"), "database_unavailable", "5"),
        (asyncpg.CannotConnectNowError("the database system is starting up"), "database_unavailable", "5"),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), "database_unavailable", "5"),
        (asyncpg.SerializationError("could not serialize access"), "database_busy", "1"),
        (asyncpg.DeadlockDetectedError("deadlock detected"), "database_busy", "1"),
        (asyncpg.QueryCanceledError("canceling statement due to statement timeout"), "database_busy", "1"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
async def test_connection_level_errors_are_503_not_500(app, error, code, retry_after) -> None:  # type: ignore[no-untyped-def]
    @app.get("/planted")
    async def planted() -> None:
        raise _wrapped(error)

    async with _client(app) as c:
        r = await c.get("/planted")
    assert r.status_code == 503, r.text
    assert r.json()["code"] == code
    assert r.headers["retry-after"] == retry_after


async def test_a_connection_killed_by_the_server_is_503(database_url: str) -> None:
    """A real one: the server terminates the request's connection (as on an admin shutdown)."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    app = create_app(TEST_SETTINGS, sessionmaker=make_sessionmaker(engine))

    @app.post("/planted")
    async def planted(db: DB) -> None:
        await db.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    try:
        async with _client(app) as c:
            r = await c.post("/planted")
            again = await c.get("/readyz")  # the pool recovers by itself
    finally:
        await engine.dispose()
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "database_unavailable"
    assert again.status_code == 200


async def test_other_database_errors_stay_500(app) -> None:  # type: ignore[no-untyped-def]
    @app.get("/planted")
    async def planted() -> None:
        raise _wrapped(asyncpg.UndefinedTableError('relation "nope" does not exist'))

    async with _client(app) as c:
        r = await c.get("/planted")
    assert r.status_code == 500
    assert r.json()["code"] == "internal_error"


# ------------------------------------------------------------ point 3: one connection, two requests


@pytest.fixture
async def served(app) -> AsyncIterator[tuple[FastAPI, int]]:  # type: ignore[no-untyped-def]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield app, port
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str
) -> tuple[int, dict[str, str], bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: t\r\nX-Request-ID: rid-{path.strip('/')}\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 10)
    return status, headers, body


async def test_an_unexpected_exception_is_one_500_and_the_connection_stays_usable(served, caplog) -> None:  # type: ignore[no-untyped-def]
    app, port = served

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("forged cursor: secret internals")

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        with caplog.at_level(logging.ERROR):
            status, headers, body = await _exchange(reader, writer, "/boom")
            assert status == 500
            assert headers["content-type"].startswith("application/problem+json")
            assert headers["x-request-id"] == "rid-boom"
            assert headers.get("connection", "").lower() != "close"
            problem = httpx.Response(500, content=body).json()
            assert problem["code"] == "internal_error"
            assert problem["request_id"] == "rid-boom"
            assert "secret internals" not in body.decode()
            # The same TCP connection answers the next request.
            status2, _, body2 = await _exchange(reader, writer, "/healthz")
        assert status2 == 200, body2
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1, [r.getMessage() for r in errors]
        assert errors[0].getMessage() == "unhandled error"
    finally:
        writer.close()
