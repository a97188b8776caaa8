"""Prometheus metrics of the HTTP layer."""

from __future__ import annotations

import hmac
import ipaddress

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request

REQUESTS = Counter("linli_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "linli_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


def allowed(request: Request, token: str | None) -> bool:
    """Who may read /metrics: the bearer of METRICS_TOKEN when one is set; otherwise only a direct
    caller on a private or loopback address (a request relayed by a proxy, which adds
    X-Forwarded-For or Forwarded, counts as outside)."""
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback
