"""A local stand-in for WeChat's servers, used by the demo (mounted at /_fake/wechat) and the tests.

Behaviour by code, so any test or curl can reach every branch:
- any other code → a stable openid derived from it (`demo-resident` is always the same user);
- `invalid…` → 40029, `used…` → 40163, `busy…` → -1, `limit…` → 45011, `http500…` → HTTP 500;
- phone codes map to a stable number (`phone-13800001234` → 13800001234).
Tests can queue failures for the next calls of a path via `state.fail_next[path]`: an errcode, or an
HTTP status 500–599; and delays (seconds, to make a client time out; the slow call then answers 504 and
sends nothing) via `state.delay_next[path]`.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class FakeState:
    tokens: set[str] = field(default_factory=set)
    token_calls: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_next: dict[str, list[int]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    delay_next: dict[str, list[float]] = field(default_factory=dict)

    def new_token(self) -> str:
        self.token_calls += 1
        token = "fake-token-" + secrets.token_hex(8)
        self.tokens.add(token)
        return token


def _err(code: int, msg: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": msg})


def _by_prefix(code: str) -> JSONResponse | None:
    if code.startswith("invalid"):
        return _err(40029, "invalid code")
    if code.startswith("used"):
        return _err(40163, "code been used")
    if code.startswith("busy"):
        return _err(-1, "system error")
    if code.startswith("limit"):
        return _err(45011, "api minute-quota reach limit")
    if code.startswith("http500"):
        return JSONResponse({"error": "boom"}, status_code=500)
    return None


def create_fake_app() -> FastAPI:
    fake = FastAPI(title="WeChat fake", openapi_url=None, docs_url=None, redoc_url=None)
    state = FakeState()
    fake.state.wechat = state

    def queued(path: str) -> JSONResponse | None:
        state.calls.append(path)
        queue = state.fail_next.get(path)
        if queue:
            code = queue.pop(0)
            if 500 <= code < 600:  # an HTTP status, not an errcode
                return JSONResponse({"error": "queued"}, status_code=code)
            return _err(code, "queued failure")
        return None

    @fake.get("/sns/jscode2session")
    async def jscode2session(js_code: str = "", appid: str = "", secret: str = "") -> JSONResponse:
        failure = queued("/sns/jscode2session") or _by_prefix(js_code)
        if failure is not None:
            return failure
        if not js_code:
            return _err(40029, "invalid code")
        digest = hashlib.sha256(f"{appid}:{js_code}".encode()).hexdigest()
        return JSONResponse(
            {"openid": "o" + digest[:27], "session_key": digest[32:56], "unionid": "u" + digest[:20]}
        )

    @fake.post("/cgi-bin/stable_token")
    async def stable_token() -> JSONResponse:
        failure = queued("/cgi-bin/stable_token")
        if failure is not None:
            return failure
        return JSONResponse({"access_token": state.new_token(), "expires_in": 7200})

    def check_token(request: Request) -> JSONResponse | None:
        if request.query_params.get("access_token") not in state.tokens:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        return None

    @fake.post("/wxa/business/getuserphonenumber")
    async def phone(request: Request) -> JSONResponse:
        failure = queued("/wxa/business/getuserphonenumber") or check_token(request)
        if failure is not None:
            return failure
        code = str((await request.json()).get("code", ""))
        prefixed = _by_prefix(code)
        if prefixed is not None:
            return prefixed
        digits = code.removeprefix("phone-")
        number = (
            digits
            if digits.isdigit() and len(digits) == 11
            else "139" + str(int(hashlib.sha256(code.encode()).hexdigest(), 16) % 10**8).zfill(8)
        )
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {"phoneNumber": number, "purePhoneNumber": number, "countryCode": "86"},
            }
        )

    async def delayed(path: str) -> JSONResponse | None:
        """A queued delay: answer 504 after it, sending nothing (the client has timed out by then)."""
        queue = state.delay_next.get(path)
        if not queue:
            return None
        state.calls.append(path)
        await asyncio.sleep(queue.pop(0))
        return JSONResponse({"error": "slow"}, status_code=504)

    @fake.post("/cgi-bin/message/subscribe/send")
    async def subscribe_send(request: Request) -> JSONResponse:
        slow = await delayed("/cgi-bin/message/subscribe/send")
        if slow is not None:
            return slow
        failure = queued("/cgi-bin/message/subscribe/send") or check_token(request)
        if failure is not None:
            return failure
        state.sent.append(await request.json())
        return _err(0, "ok")

    return fake
