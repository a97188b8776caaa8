"""Schemathesis over /openapi.json against a real server on localhost and the real database.

Every documented operation is called with generated (valid and invalid) inputs, anonymously and as a
signed-in user of each role: no 5xx, and every response matches the documented schema, status and
content type. New endpoints are covered automatically. Bounded: a few examples per operation, fixed seed.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.database import make_engine, make_sessionmaker
from app.main import create_app
from tests.support.db import truncate_all
from tests.support.factories import TEST_SETTINGS, auth, make_world

EXAMPLES = int(os.environ.get("LINLI_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations that legitimately stream non-JSON bodies are checked for "no 5xx" only.
LOOSE_SUFFIXES = (".csv", ".xlsx")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(database_url: str) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = TEST_SETTINGS.model_copy(
        update={"database_url": database_url, "wechat_fake": True, "wechat_api_base": f"{base}/_fake/wechat"}
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            host="127.0.0.1",
            port=port,
            log_config=None,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def _seed(database_url: str) -> dict[str, dict[str, str]]:
    async def run() -> dict[str, dict[str, str]]:
        engine = make_engine(database_url, pool_size=2, max_overflow=0)
        await truncate_all(engine)
        async with make_sessionmaker(engine)() as db:
            world = await make_world(db)
            await db.commit()
        await engine.dispose()
        return {
            "anonymous": {},
            "resident": auth(world.resident),
            "staff": auth(world.staff),
            "handler": auth(world.handler),
            "merchant": auth(world.merchant_staff),
            "admin": auth(world.admin),
        }

    return asyncio.run(run())


@pytest.fixture(scope="module")
def role_headers(database_url: str, live_server: str) -> Iterator[dict[str, dict[str, str]]]:
    # Seeded in a worker thread: the async test loop is not ours to block.
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(_seed(database_url)))
    thread.start()
    thread.join()
    yield result

    def cleanup() -> None:
        async def run() -> None:
            engine = make_engine(database_url, pool_size=1, max_overflow=0)
            await truncate_all(engine)
            await engine.dispose()

        asyncio.run(run())

    done = threading.Thread(target=cleanup)
    done.start()
    done.join()


def _fuzz(operation: Any, base_url: str, headers: dict[str, str]) -> None:
    """Call one operation with generated inputs; raise on the first broken check."""
    checks = CHECKS[:1] if operation.path.endswith(LOOSE_SUFFIXES) else CHECKS

    @seed(20261122)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(base_url=base_url, headers=dict(headers), checks=checks, timeout=30)

    run()


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff", "handler", "merchant", "admin"])
def test_every_operation_holds_its_contract(
    live_server: str, role_headers: dict[str, dict[str, str]], role: str
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, live_server, role_headers[role])
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert not failures, f"{len(failures)} operation(s) broke their contract as {role}:\n\n" + "\n\n".join(
        failures
    )
