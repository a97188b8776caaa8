"""ASGI middleware: request id, access log, metrics and the last-resort 500; a hard cap on body size."""

from __future__ import annotations

import json
import logging
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import internal_error_response
from app.core.logging import request_id_var
from app.core.metrics import LATENCY, REQUESTS

log = logging.getLogger("linli.access")
log_errors = logging.getLogger("linli.errors")


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming[:64] if incoming and incoming.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if response_started:
                # Half a response is out: only closing the connection tells the client; the server logs.
                raise
            # Answered here, not re-raised: an exception escaping to the server would make it close the
            # keep-alive connection (a second, unrelated failure for the client) and log it again.
            log_errors.exception("unhandled error", extra={"method": scope["method"], "path": scope["path"]})
            response = internal_error_response(Request(scope), rid)
            await response(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round(elapsed * 1000, 1),
                    },
                )
            request_id_var.reset(token)


class ContentLengthLimit:
    """Refuse bodies over `limit` bytes with 413 problem+json.

    An announced oversized Content-Length is answered before reading; a streamed body is counted as it
    arrives and cut with an HTTPException(413) that the problem handler renders.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"")
            if length.isdigit() and int(length) > self.limit:
                body = json.dumps(
                    {
                        "type": "https://linli.example/problems/payload_too_large",
                        "title": "请求内容过大",
                        "status": 413,
                        "detail": f"请求内容不能超过 {self.limit // (1024 * 1024)} MB",
                        "code": "payload_too_large",
                    },
                    ensure_ascii=False,
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, counting_receive, send)
