"""Issue #18 points 2, 3 and 8: lock-outs count first and hold under parallel requests; the limiter and
argon2 are bounded; the till counts only codes that match nothing, and staff can lift a lock-out."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, security
from app.core.database import make_sessionmaker
from app.core.ratelimit import MemoryLimiter
from app.main import create_app
from app.merchants.config import rules
from app.models.identity import Role
from app.models.platform import AuditEntry
from tests.support.factories import TEST_SETTINGS, World, auth, make_user, make_world
from tests.support.ledger import assert_ledger_ok, fund, wallet_balance
from tests.support.merchants import code_for, redeem

API = "/api/v1"


async def test_thirty_parallel_wrong_passwords_and_the_right_one_pass_at_most_the_limit(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    await make_user(
        live_db, username="desk9", password="correct horse", roles=[(Role.staff, world.community)]
    )
    await live_db.commit()
    tries = [{"username": "desk9", "password": f"wrong-{n}"} for n in range(30)]
    tries.insert(15, {"username": "desk9", "password": "correct horse"})
    results = await asyncio.gather(*(live_client.post(f"{API}/auth/token", data=t) for t in tries))
    statuses = Counter(r.status_code for r in results)
    assert statuses[401] + statuses[200] <= TEST_SETTINGS.login_attempts_per_window, statuses
    assert statuses[429] >= 31 - TEST_SETTINGS.login_attempts_per_window


async def test_thirty_parallel_invitation_guesses_pass_at_most_ten(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    await live_db.commit()
    results = await asyncio.gather(
        *(
            live_client.post(f"{API}/invitations/NOPE{n:04d}/accept", headers=auth(world.neighbour))
            for n in range(30)
        )
    )
    statuses = Counter(r.status_code for r in results)
    assert statuses[404] <= 10, statuses
    assert statuses[429] >= 20


async def test_thirty_parallel_wrong_redemption_codes_pass_at_most_the_staff_limit(
    live_db: AsyncSession, live_client: httpx.AsyncClient
) -> None:
    world = await make_world(live_db)
    await live_db.commit()
    results = await asyncio.gather(
        *(redeem(live_client, world.merchant_staff, f"{n:018d}", points=1) for n in range(30))
    )
    statuses = Counter(r.status_code for r in results)
    assert statuses[409] + statuses[404] + statuses[422] <= rules().failures_per_staff, statuses
    assert statuses[429] >= 30 - rules().failures_per_staff


async def test_username_is_at_most_64_characters(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{API}/auth/token", data={"username": "u" * 65, "password": "whatever1"})
    assert r.status_code == 422
    r = await client.post(f"{API}/auth/token", data={"username": "u" * 64, "password": "whatever1"})
    assert r.status_code == 401


async def test_one_client_address_is_limited_across_usernames(
    connection: Any, db: AsyncSession, wechat_fake: Any
) -> None:
    settings = TEST_SETTINGS.model_copy(update={"login_attempts_per_address": 3})
    app = create_app(
        settings,
        sessionmaker=make_sessionmaker(connection, join_transaction_mode="create_savepoint"),
        wechat_transport=httpx.ASGITransport(app=wechat_fake),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        for n in range(3):
            r = await c.post(f"{API}/auth/token", data={"username": f"user{n}", "password": "whatever1"})
            assert r.status_code == 401
        r = await c.post(f"{API}/auth/token", data={"username": "user9", "password": "whatever1"})
        assert r.status_code == 429


async def test_memory_limiter_expires_and_bounds_its_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("app.core.ratelimit.time.monotonic", lambda: now[0])
    limiter = MemoryLimiter(max_entries=100)
    for n in range(1000):  # 1,000 distinct usernames, as the flood in the report
        await limiter.hit(f"login:{n}", 5, 60)
    assert len(limiter) <= 100
    now[0] += 61
    await limiter.hit("login:fresh", 5, 60)
    for n in range(1200):
        await limiter.hit(f"other:{n}", 5, 600)
    assert len(limiter) <= 100
    # A recent key over its limit is still blocked.
    for _ in range(6):
        await limiter.hit("login:victim", 5, 600)
    assert await limiter.blocked("login:victim", 5, 600) is not None


async def test_at_most_two_argon2_hashes_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak = [0], [0]
    lock = threading.Lock()

    def slow_verify(password: str, hashed: str) -> bool:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(security._hasher, "verify", slow_verify)
    await asyncio.gather(*(security.verify_password("x", None) for _ in range(12)))
    assert peak[0] == security.HASH_WORKERS == 2


# ---------------------------------------------------------------- the till (point 8)


async def test_used_and_expired_codes_do_not_lock_the_till(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    await fund(db, world.resident, 500)
    used = await code_for(client, world.resident)
    assert (await redeem(client, world.merchant_staff, used, points=1)).status_code == 201
    for _ in range(rules().failures_per_staff + 2):  # a scanner firing the used code again and again
        r = await redeem(client, world.merchant_staff, used, points=1)
        assert r.json()["code"] == "code_used"
    elders = [await make_user(db, community=world.community) for _ in range(3)]
    await db.flush()
    expired = [await code_for(client, elder) for elder in elders]
    clock.freeze(clock.now() + timedelta(minutes=10))
    for code in expired * 4:  # a queue of elders whose codes ran out
        assert (await redeem(client, world.merchant_staff, code, points=1)).json()["code"] == "code_expired"
    fresh = await code_for(client, world.resident)
    assert (await redeem(client, world.merchant_staff, fresh, points=1)).status_code == 201


async def test_staff_lift_a_lockout_and_it_is_audited(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    for n in range(rules().failures_per_staff):
        await redeem(client, world.merchant_staff, f"{n:018d}", points=1)
    await fund(db, world.resident, 50)
    good = await code_for(client, world.resident)
    assert (await redeem(client, world.merchant_staff, good, points=1)).status_code == 429
    url = f"{API}/merchants/{world.merchant.id}/lockout"
    assert (await client.delete(url, headers=auth(world.merchant_staff))).status_code == 403
    assert (await client.delete(url, headers=auth(world.other_staff))).status_code == 404
    assert (await client.delete(url, headers=auth(world.staff))).status_code == 204
    assert (await redeem(client, world.merchant_staff, good, points=1)).status_code == 201
    actions = (await db.execute(select(AuditEntry.action, AuditEntry.actor_id))).all()
    assert ("merchant.lockout_lifted", world.staff.id) in actions


async def test_large_redemption_waits_for_the_residents_confirmation(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    big = rules().confirm_above_points + 1
    await fund(db, world.resident, big * 3)
    code = await code_for(client, world.resident)
    r = await redeem(client, world.merchant_staff, code, points=big)
    assert r.status_code == 202, r.text
    assert r.json()["code"] == "confirmation_required"
    pending_id = r.json()["pending_id"]
    assert await wallet_balance(db, world.resident) == big * 3  # nothing moved yet
    # The code is spent: the till cannot take it again meanwhile.
    assert (await redeem(client, world.merchant_staff, code, points=1)).json()["code"] == "code_used"
    mine = (await client.get(f"{API}/redemptions/pending", headers=auth(world.resident))).json()
    assert [p["id"] for p in mine] == [pending_id]
    url = f"{API}/redemptions/pending/{pending_id}"
    assert (await client.post(f"{url}/confirm", headers=auth(world.neighbour))).status_code == 404
    assert (await client.post(f"{url}/confirm", headers=auth(world.merchant_staff))).status_code == 404
    ok = await client.post(f"{url}/confirm", headers=auth(world.resident))
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "confirmed"
    assert await wallet_balance(db, world.resident) == big * 2
    seen = (await client.get(url, headers=auth(world.merchant_staff))).json()
    assert seen["redemption_id"] == ok.json()["redemption_id"]
    assert (await client.post(f"{url}/confirm", headers=auth(world.resident))).json()[
        "code"
    ] == "already_decided"
    await assert_ledger_ok(db)


async def test_declined_or_late_confirmations_move_nothing(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    big = rules().confirm_above_points + 1
    await fund(db, world.resident, big * 3)
    first = await redeem(client, world.merchant_staff, await code_for(client, world.resident), points=big)
    declined = await client.post(
        f"{API}/redemptions/pending/{first.json()['pending_id']}/decline", headers=auth(world.resident)
    )
    assert declined.json()["status"] == "declined"
    second = await redeem(client, world.merchant_staff, await code_for(client, world.resident), points=big)
    clock.freeze(clock.now() + timedelta(seconds=rules().confirm_seconds + 1))
    late = await client.post(
        f"{API}/redemptions/pending/{second.json()['pending_id']}/confirm", headers=auth(world.resident)
    )
    assert late.json()["code"] == "confirmation_expired"
    assert await wallet_balance(db, world.resident) == big * 3
    small = await redeem(
        client,
        world.merchant_staff,
        await code_for(client, world.resident),
        points=rules().confirm_above_points,
    )
    assert small.status_code == 201  # at the threshold itself: no confirmation needed
