"""create_app(): routers, error handlers, middleware, lifespan. `app` is the ASGI entry point."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import domains
from app.core import clock, metrics, workdays
from app.core.database import make_engine, make_sessionmaker
from app.core.errors import PROBLEM_JSON, NotFound, Problem, install_error_handlers, problem_response
from app.core.logging import configure_logging
from app.core.middleware import ContentLengthLimit, RequestContext
from app.core.migrations import head_revision
from app.core.ratelimit import make_limiter
from app.core.runtime import database_url
from app.core.settings import Settings, get_settings
from app.holidays.service import keep_fresh
from app.wechat.client import WechatClient
from app.wechat.fake import create_fake_app

log = logging.getLogger("linli")

API_PREFIX = "/api/v1"
FAKE_WECHAT_PATH = "/_fake/wechat"


def create_app(
    settings: Settings | None = None,
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    wechat_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if app.state.sessionmaker is None:
            engine = make_engine(database_url(settings))
            app.state.sessionmaker = make_sessionmaker(engine)
        # The holiday notices admins entered: loaded now, then every LINLI_HOLIDAYS_REFRESH_SECONDS.
        calendar = asyncio.create_task(keep_fresh(app.state.sessionmaker))
        try:
            yield
        finally:
            calendar.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await calendar
            await app.state.wechat.aclose()
            if engine is not None:
                await engine.dispose()

    app = FastAPI(
        title="Linli (邻里) API",
        version="1",
        description="Community service centre: hotline tickets, bookings, time bank, merchant points.",
        lifespan=lifespan,
        docs_url="/docs" if settings.serve_docs else None,
        redoc_url="/redoc" if settings.serve_docs else None,
    )
    app.state.settings = settings
    app.state.sessionmaker = sessionmaker
    app.state.limiter = make_limiter(settings.redis_url)
    app.state.head_revision = head_revision()
    app.state.wechat = WechatClient(
        settings.wechat_api_base,
        settings.wechat_appid,
        settings.wechat_secret,
        timeout=settings.wechat_timeout_seconds,
        transport=wechat_transport,
    )
    install_error_handlers(app)
    app.add_middleware(ContentLengthLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestContext)

    for router in domains.routers():
        app.include_router(router, prefix=API_PREFIX)

    if settings.wechat_fake and settings.linli_env == "dev":
        app.mount(FAKE_WECHAT_PATH, create_fake_app())

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "Not ready"}})
    async def readyz(request: Request) -> JSONResponse:
        """The database is reachable and migrated to head (from 1 December: whether next year's holidays are known)."""
        factory = request.app.state.sessionmaker
        try:
            async with factory() as session:
                current = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except Exception as exc:
            log.warning("readyz failed", extra={"error": str(exc)})
            return JSONResponse({"status": "unavailable", "database": False}, status_code=503)
        ok = current == request.app.state.head_revision
        body: dict[str, Any] = {
            "status": "ok" if ok else "migrations_pending",
            "database": True,
            "revision": current,
        }
        warning = workdays.next_year_warning(clock.today())
        if warning is not None:  # a detail, not a failure: deadlines still count (Monday–Friday)
            body["calendar"] = {"next_year": clock.today().year + 1, "known": False, "warning": warning}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        if not metrics.allowed(request, settings.metrics_token):
            # Not found, as if there were nothing here: no hint to the outside that metrics exist.
            return problem_response(request, 404, "not_found", NotFound.message)
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses["default"] = {
                    "description": "Problem (RFC 9457) with a stable `code`",
                    "content": {PROBLEM_JSON: {"schema": problem_ref}},
                }
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    """`app.main:app` is built on first access, so importing this module has no side effects."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        settings = get_settings()
        configure_logging(settings.log_level)
        _app = create_app(settings)
    return _app
