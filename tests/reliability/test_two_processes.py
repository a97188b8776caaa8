"""Also build: two API processes on one database (and one Redis where it answers).

Two real `uvicorn app.main:app` processes serve the test database; requests alternate between them.
Idempotent replays and one redemption per code hold through PostgreSQL alone. Login lock-out and
code-guessing limits are shared through Redis (`REDIS_URL`); without it each process counts on its own
(docs/operations.md says so), so those two checks run only where a Redis answers.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.settings import PROJECT_DIR
from app.models.identity import Role
from app.models.merchants import Redemption
from tests.support.factories import TEST_SETTINGS, auth, make_user, make_world
from tests.support.ledger import assert_ledger_ok, fund, wallet_balance
from tests.support.merchants import code_for, redeem

REDIS = os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url.replace("redis://", "postgresql://", 1))
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_processes(database_url: str, tmp_path: object) -> Iterator[tuple[list[str], bool]]:
    redis = _redis_answers(REDIS)
    env = os.environ | {
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_SETTINGS.resolved_jwt_secret(),
        "WECHAT_APPID": TEST_SETTINGS.wechat_appid,
        "WECHAT_SECRET": TEST_SETTINGS.wechat_secret,
        "WECHAT_API_BASE": "http://127.0.0.1:9/unused",
        "LINLI_ENV": "dev",
        "LINLI_DATA_DIR": str(tmp_path),
    }
    if redis:
        env["REDIS_URL"] = REDIS
    else:
        env.pop("REDIS_URL", None)
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for base in bases:
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the API processes did not start")
                time.sleep(0.2)
        yield bases, redis
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


async def test_limits_replays_and_redemptions_hold_across_two_processes(
    live_db: AsyncSession, two_processes: tuple[list[str], bool]
) -> None:
    bases, redis = two_processes
    world = await make_world(live_db)
    username = f"desk-{uuid.uuid4().hex[:8]}"
    await make_user(
        live_db,
        community=world.community,
        roles=[(Role.staff, world.community)],
        username=username,
        password="right-pass-123",
    )
    await fund(live_db, world.resident, 1000)
    await live_db.commit()
    a, b = (httpx.AsyncClient(base_url=base, timeout=30) for base in bases)
    async with a, b:
        both = [a, b]

        # An idempotent replay answered by the other process: the same bytes, marked replayed.
        body = {"user_id": str(world.neighbour.id), "asset": "points", "amount": 40, "reason": "两进程测试"}
        headers = auth(world.staff) | {"Idempotency-Key": uuid.uuid4().hex}
        first = await a.post("/api/v1/grants", json=body, headers=headers)
        second = await b.post("/api/v1/grants", json=body, headers=headers)
        assert first.status_code == 201, first.text
        assert second.status_code == first.status_code
        assert second.content == first.content
        assert second.headers.get("Idempotent-Replayed") == "true"
        assert await wallet_balance(live_db, world.neighbour) == 40

        # One redemption per code, the same code posted to both processes at once.
        code = await code_for(a, world.resident)
        results = await asyncio.gather(
            *(redeem(both[n % 2], world.merchant_staff, code, points=70) for n in range(10))
        )
        statuses = Counter(r.status_code for r in results)
        assert statuses[201] == 1, [r.text for r in results]
        assert await wallet_balance(live_db, world.resident) == 930
        assert (await live_db.execute(select(func.count()).select_from(Redemption))).scalar_one() == 1

        if not redis:
            pytest.skip(
                "no Redis answers: login lock-out and code limits are per process (docs/operations.md)"
            )

        # Login lock-out: 5 wrong passwords per window in all, whichever process hears them.
        tries = [
            await both[n % 2].post("/api/v1/auth/token", data={"username": username, "password": "wrong"})
            for n in range(6)
        ]
        assert [t.status_code for t in tries] == [401] * 5 + [429], [t.text for t in tries]
        for client in both:  # now even the right password waits, on either process
            locked = await client.post(
                "/api/v1/auth/token", data={"username": username, "password": "right-pass-123"}
            )
            assert locked.status_code == 429

        # Code guessing at a till: 10 wrong codes per staff member in all, across both processes.
        guesses = [await redeem(both[n % 2], world.merchant_staff, f"{n:018d}", points=10) for n in range(11)]
        codes = [g.status_code for g in guesses]
        assert codes[-1] == 429, [g.text for g in guesses]
        assert 429 not in codes[:10]
    await assert_ledger_ok(live_db)
