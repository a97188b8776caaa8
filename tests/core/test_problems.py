"""Every error is problem+json with a stable code; nothing leaks a stack trace."""

from __future__ import annotations

import httpx

from tests.support.factories import World, auth


def _is_problem(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["title"]
    assert "Traceback" not in r.text


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    _is_problem(await client.get("/api/v1/nope"), 404, "not_found")


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    _is_problem(await client.delete("/api/v1/me"), 405, "method_not_allowed")


async def test_malformed_json_is_422_malformed_json(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/wechat-login", content=b'{"code": ', headers={"Content-Type": "application/json"}
    )
    _is_problem(r, 422, "malformed_json")


async def test_wrong_types_are_422_with_locations(client: httpx.AsyncClient, world: World) -> None:
    r = await client.patch(
        "/api/v1/me", json={"community_id": 12, "birth_date": "yesterday"}, headers=auth(world.resident)
    )
    _is_problem(r, 422, "validation_error")
    locs = {tuple(e["loc"]) for e in r.json()["errors"]}
    assert ("body", "community_id") in locs
    assert ("body", "birth_date") in locs


async def test_unknown_fields_are_refused(client: httpx.AsyncClient, world: World) -> None:
    r = await client.patch("/api/v1/me", json={"is_admin": True}, headers=auth(world.resident))
    _is_problem(r, 422, "validation_error")


async def test_bad_uuid_in_path_is_422(client: httpx.AsyncClient, world: World) -> None:
    _is_problem(
        await client.get("/api/v1/org-units/not-a-uuid", headers=auth(world.resident)),
        422,
        "validation_error",
    )


async def test_missing_record_is_404(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(
        "/api/v1/org-units/00000000-0000-4000-8000-000000000000", headers=auth(world.resident)
    )
    _is_problem(r, 404, "org_unit_not_found")


async def test_oversized_body_is_413(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    limit = app.state.settings.max_body_bytes
    r = await client.post(
        "/api/v1/auth/wechat-login",
        content=b'{"code":"' + b"x" * (limit + 10) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    _is_problem(r, 413, "payload_too_large")


async def test_unexpected_error_is_a_500_problem_without_details(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.get("/boom")
    _is_problem(r, 500, "internal_error")
    assert "secret internals" not in r.text


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
    assert (await client.get("/healthz")).headers["x-request-id"]


async def test_health_ready_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["database"] is True
    metrics = await client.get("/metrics")
    assert "linli_http_requests_total" in metrics.text


async def test_openapi_documents_problem_responses(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    op = spec["paths"]["/api/v1/me"]["get"]
    assert "application/problem+json" in op["responses"]["default"]["content"]


async def test_streamed_oversized_body_is_413_problem(client: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    limit = app.state.settings.max_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"code":"'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    r = await client.post(
        "/api/v1/auth/wechat-login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    _is_problem(r, 413, "payload_too_large")


async def test_wechat_secret_never_reaches_the_logs(client: httpx.AsyncClient, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from app.core.logging import configure_logging

    configure_logging("INFO")
    with caplog.at_level(logging.INFO):
        await client.post("/api/v1/auth/wechat-login", json={"code": "demo-log"})
    assert "test-secret" not in caplog.text
