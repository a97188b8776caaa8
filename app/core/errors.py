"""Domain errors and their RFC 9457 problem+json rendering.

Every error a client sees has a stable `code`, a Chinese title by default and an English one with
`Accept-Language: en`. Nothing below the routers raises HTTPException; they raise DomainError.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, NamedTuple

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("linli.errors")

PROBLEM_JSON = "application/problem+json"


class Msg(NamedTuple):
    zh: str
    en: str


def _(zh: str, en: str) -> Msg:
    return Msg(zh, en)


def wants_english(request: Request) -> bool:
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].strip().lower()
    return first.startswith("en")


class DomainError(Exception):
    """A rule said no. Subclasses set status, code and message; instances may add detail and extra."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[Msg] = _("请求无法处理", "The request cannot be processed")
    # True when what the request wrote before refusing must still be kept (e.g. revoking a token family
    # on refresh-token reuse, counting a failed code attempt); the session commits instead of rolling back.
    commit_anyway: ClassVar[bool] = False

    def __init__(
        self,
        detail: Msg | str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(self.code)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = _("记录不存在或无权查看", "Not found")


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    message = _("请先登录", "Authentication required")

    def __init__(self, detail: Msg | str | None = None, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = _("无权执行此操作", "You are not allowed to do this")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = _("操作与当前状态冲突", "The request conflicts with the current state")


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"
    message = _("当前状态不允许此操作", "This record cannot do that in its current state")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    message = _("操作过于频繁，请稍后再试", "Too many attempts, try again later")

    def __init__(self, retry_after: int, detail: Msg | str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, retry_after=retry_after)


class ValidationFailed(DomainError):
    """A payload that parses but is semantically invalid (a rule on the shape, not on state)."""

    status = 422
    code = "validation_error"
    message = _("请求内容有误", "The request is invalid")


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    message = _(
        "同一个 Idempotency-Key 已用于不同的请求",
        "This Idempotency-Key was already used with a different request",
    )


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    message = _("服务暂时不可用，请稍后重试", "Service temporarily unavailable, retry shortly")


class Problem(BaseModel):
    """RFC 9457 problem details, as every error is answered."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    code: str
    errors: list[dict[str, Any]] | None = None


def _text(value: Msg | str | None, en: bool) -> str | None:
    if value is None:
        return None
    if isinstance(value, Msg):
        return value.en if en else value.zh
    return value


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: Msg | str,
    detail: Msg | str | None = None,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    en = wants_english(request)
    body: dict[str, Any] = {
        "type": f"https://linli.example/problems/{code}",
        "title": _text(title, en),
        "status": status,
        "detail": _text(detail, en) or _text(title, en),
        "code": code,
    }
    if extra:
        body.update(extra)
    response_headers = {"Content-Language": "en" if en else "zh-CN", **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=response_headers)


def internal_error_response(request: Request, request_id: str) -> JSONResponse:
    """The answer to an exception nothing else handled: no internals, the request id to quote."""
    return problem_response(
        request,
        500,
        "internal_error",
        _("服务器内部错误，请稍后再试", "Internal server error"),
        extra={"request_id": request_id},
    )


_STATUS_CODES: dict[int, tuple[str, Msg]] = {
    400: ("bad_request", _("请求格式有误", "Bad request")),
    401: ("unauthorized", _("请先登录", "Authentication required")),
    403: ("forbidden", _("无权执行此操作", "Forbidden")),
    404: ("not_found", _("记录不存在或无权查看", "Not found")),
    405: ("method_not_allowed", _("不支持该请求方法", "Method not allowed")),
    406: ("not_acceptable", _("无法提供所需的格式", "Not acceptable")),
    413: ("payload_too_large", _("请求内容过大", "Payload too large")),
    415: ("unsupported_media_type", _("不支持的内容类型", "Unsupported media type")),
    429: ("rate_limited", _("操作过于频繁，请稍后再试", "Too many requests")),
}


def _clean_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.code, exc.message, exc.detail, headers=exc.headers, extra=exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _clean_validation_errors(exc)
        malformed = any(e["type"] == "json_invalid" for e in errors)
        return problem_response(
            request,
            422,
            "malformed_json" if malformed else "validation_error",
            _("请求内容不是有效的 JSON", "The body is not valid JSON")
            if malformed
            else _("请求内容有误", "The request is invalid"),
            extra={"errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = _STATUS_CODES.get(exc.status_code, ("http_error", _("请求失败", "Request failed")))
        return problem_response(request, exc.status_code, code, title, headers=dict(exc.headers or {}))

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        outage = classify_database_error(exc)
        if outage is None:
            raise exc  # not the database's availability: the request middleware answers 500, once
        log.warning(
            "database unavailable",
            extra={"path": request.url.path, "code": outage.code, "error": type(exc).__name__},
        )
        return problem_response(
            request,
            outage.status,
            outage.code,
            outage.message,
            headers={"Retry-After": str(outage.retry_after)},
            extra={"retry_after": outage.retry_after},
        )

    # Unexpected exceptions are answered by app.core.middleware.RequestContext, not here: a handler for
    # Exception runs in Starlette's ServerErrorMiddleware, which re-raises after answering, and the
    # server then closes the keep-alive connection and logs the error a second time.
    app.add_exception_handler(SQLAlchemyError, _database)
    app.add_exception_handler(OSError, _database)
    app.add_exception_handler(asyncpg.PostgresError, _database)
    app.add_exception_handler(asyncpg.InterfaceError, _database)


class Outage(NamedTuple):
    status: int
    code: str
    message: Msg
    retry_after: int


DATABASE_UNAVAILABLE = Outage(
    503,
    "database_unavailable",
    _("数据库暂时不可用，请稍后重试", "The database is temporarily unavailable, retry shortly"),
    5,
)
DATABASE_BUSY = Outage(
    503,
    "database_busy",
    _("系统繁忙，请稍后重试", "The database is busy, retry shortly"),
    1,
)

# SQLSTATEs that say the database is away or overloaded (nothing the request could fix).
_UNAVAILABLE_STATES = ("08", "53", "57P01", "57P02", "57P03", "25006", "58")
# SQLSTATEs of contention that survived our own retries: the same request again will likely pass.
_BUSY_STATES = ("40001", "40P01", "55P03", "57014")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen) or len(seen) > 10:
            continue
        seen.append(item)
        todo.extend([getattr(item, "orig", None), item.__cause__, item.__context__])
    return seen


def _raised_by_database_driver(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(("asyncpg", "sqlalchemy", "psycopg")):
            return True
        tb = tb.tb_next
    return False


def classify_database_error(exc: BaseException) -> Outage | None:
    """503 database_unavailable / database_busy for errors of the database's availability, else None.

    Connection refused/reset, a pool timeout, a connection closed under us, too many connections, admin
    or crash shutdown, a server starting up, a read-only (failed-over) server: unavailable, retry in 5 s.
    A serialization failure, deadlock, lock timeout or statement timeout: busy, retry in 1 s.
    """
    busy = False
    for item in _chain(exc):
        state = str(getattr(item, "sqlstate", None) or getattr(item, "pgcode", None) or "")
        if state:
            if state.startswith(_BUSY_STATES):
                busy = True
                continue
            if state.startswith(_UNAVAILABLE_STATES):
                return DATABASE_UNAVAILABLE
        if isinstance(item, sa_exc.DBAPIError) and item.connection_invalidated:
            return DATABASE_UNAVAILABLE
        if isinstance(item, sa_exc.TimeoutError):  # the pool had no connection to give
            return DATABASE_UNAVAILABLE
        if isinstance(item, OSError) and _raised_by_database_driver(item):
            # refused, reset, timed out, or (embedded server stopped) its socket file is gone
            return DATABASE_UNAVAILABLE
        if isinstance(item, (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError)):
            return DATABASE_UNAVAILABLE
        if isinstance(item, asyncpg.PostgresConnectionError | asyncpg.CannotConnectNowError):
            return DATABASE_UNAVAILABLE
        if type(item).__name__ in ("ConnectionDoesNotExistError", "InternalClientError") and (
            "connection" in str(item).lower()
        ):
            return DATABASE_UNAVAILABLE
    return DATABASE_BUSY if busy else None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"description": "Problem", "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}}},
}
