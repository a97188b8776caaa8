"""WeChat and password sign-in, token refresh and the ways they fail."""

from __future__ import annotations

from datetime import timedelta

import httpx
from jose import jwt

from app.core import clock
from app.models.identity import Role
from tests.support.factories import TEST_SETTINGS, World, auth, make_user

LOGIN = "/api/v1/auth/wechat-login"


async def test_first_wechat_login_creates_a_resident_and_returns_tokens(client: httpx.AsyncClient) -> None:
    r = await client.post(LOGIN, json={"code": "demo-resident"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert body["user"]["roles"] == []
    assert "session_key" not in r.text

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


async def test_same_code_maps_to_the_same_user(client: httpx.AsyncClient) -> None:
    first = (await client.post(LOGIN, json={"code": "demo-x"})).json()
    second = (await client.post(LOGIN, json={"code": "demo-x"})).json()
    assert first["user"]["id"] == second["user"]["id"]


async def test_invalid_wechat_code_is_401_wechat_code_invalid(client: httpx.AsyncClient) -> None:
    for code in ("invalid-1", "used-1"):
        r = await client.post(LOGIN, json={"code": code})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "wechat_code_invalid"


async def test_wechat_busy_is_503_with_retry_after(client: httpx.AsyncClient) -> None:
    for code in ("busy-1", "limit-1", "http500-1"):
        r = await client.post(LOGIN, json={"code": code})
        assert r.status_code == 503, code
        assert r.json()["code"] == "wechat_unavailable"
        assert int(r.headers["retry-after"]) > 0


async def test_empty_code_is_422(client: httpx.AsyncClient) -> None:
    r = await client.post(LOGIN, json={"code": ""})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"][-1] == "code"


async def test_refresh_rotates_and_reuse_revokes_the_family(client: httpx.AsyncClient) -> None:
    tokens = (await client.post(LOGIN, json={"code": "demo-r"})).json()
    old = tokens["refresh_token"]
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": old})
    assert r.status_code == 200
    new = r.json()["refresh_token"]
    assert new != old

    replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": old})
    assert replay.status_code == 401
    assert replay.json()["code"] == "refresh_token_reused"
    # The thief's replay revoked the family: the legitimate new token is dead too.
    after = await client.post("/api/v1/auth/refresh", json={"refresh_token": new})
    assert after.status_code == 401


async def test_logout_revokes_the_refresh_token(client: httpx.AsyncClient) -> None:
    tokens = (await client.post(LOGIN, json={"code": "demo-l"})).json()
    assert (
        await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 200
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401
    assert r.json()["code"] == "refresh_token_invalid"


async def test_expired_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    tokens = (await client.post(LOGIN, json={"code": "demo-e"})).json()
    clock.advance(timedelta(days=TEST_SETTINGS.refresh_token_days + 1))
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401


async def test_expired_access_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    headers = auth(world.resident)
    clock.advance(timedelta(minutes=TEST_SETTINGS.access_token_minutes + 1))
    r = await client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


async def test_tampered_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    token = auth(world.resident)["Authorization"].split()[1]
    head, payload, sig = token.split(".")
    tampered = f"{head}.{payload}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tampered}"})
    assert r.status_code == 401


async def test_alg_none_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    import base64
    import json

    def b64(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    now = int(clock.now().timestamp())
    claims = {
        "sub": str(world.admin.id),
        "iat": now,
        "exp": now + 600,
        "iss": "linli",
        "aud": "linli-api",
        "typ": "access",
    }
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_token_signed_with_another_secret_or_audience_is_401(
    client: httpx.AsyncClient, world: World
) -> None:
    now = int(clock.now().timestamp())
    claims = {
        "sub": str(world.admin.id),
        "iat": now,
        "exp": now + 600,
        "iss": "linli",
        "aud": "linli-api",
        "typ": "access",
    }
    forged = jwt.encode(claims, "another-secret", algorithm="HS256")
    wrong_aud = jwt.encode({**claims, "aud": "other"}, TEST_SETTINGS.jwt_secret or "", algorithm="HS256")
    for token in (forged, wrong_aud, "garbage"):
        r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401


async def test_missing_token_is_401(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


async def test_password_login(client: httpx.AsyncClient, db, world: World) -> None:  # type: ignore[no-untyped-def]
    await make_user(db, username="desk1", password="correct horse", roles=[(Role.staff, world.community)])
    r = await client.post("/api/v1/auth/token", data={"username": "desk1", "password": "correct horse"})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["roles"][0]["role"] == "staff"


async def test_wrong_password_is_401_and_repeated_failures_lock_out(
    client: httpx.AsyncClient, db, world: World
) -> None:  # type: ignore[no-untyped-def]
    await make_user(db, username="desk2", password="correct horse", roles=[(Role.staff, world.community)])
    for _ in range(TEST_SETTINGS.login_attempts_per_window):
        r = await client.post("/api/v1/auth/token", data={"username": "desk2", "password": "wrong"})
        assert r.status_code == 401
        assert r.json()["code"] == "bad_credentials"
    locked = await client.post("/api/v1/auth/token", data={"username": "desk2", "password": "correct horse"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["retry-after"]) > 0


async def test_unknown_user_is_the_same_401(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "whatever1"})
    assert r.status_code == 401
    assert r.json()["code"] == "bad_credentials"


async def test_english_messages_on_request(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.json()["title"] == "Authentication required"
    zh = await client.get("/api/v1/me")
    assert zh.json()["title"] == "请先登录"
