"""The one client for WeChat's server APIs (httpx), pointed at WECHAT_API_BASE.

Tests and demo mode point it at the local fake (`app.wechat.fake`); nothing else in the code base talks
to WeChat. WeChat answers HTTP 200 with an `errcode`; this client turns those into typed errors.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from app.core.errors import DomainError, ServiceUnavailable, _

# errcodes meaning "the code the phone sent is no good" (invalid, already used, user blocked).
INVALID_CODE_ERRCODES = frozenset({40029, 40163, 40226})
# errcodes meaning "WeChat is busy / limiting us": retry later.
BUSY_ERRCODES = frozenset({-1, 45011, 45009})
TOKEN_EXPIRED_ERRCODES = frozenset({40001, 42001, 40014})


class WechatCodeInvalid(DomainError):
    status = 401
    code = "wechat_code_invalid"
    message = _(
        "微信登录凭证无效或已使用，请重新打开小程序", "The WeChat login code is invalid or already used"
    )


class WechatUnavailable(ServiceUnavailable):
    code = "wechat_unavailable"
    message = _("微信服务繁忙，请稍后重试", "WeChat is busy, retry in a few seconds")

    def __init__(self, detail: str | None = None, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class WechatApiError(Exception):
    """Any other errcode; kept with its number so callers can decide (e.g. 43101 for subscribe messages)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True)
class Session:
    openid: str
    session_key: str
    unionid: str | None


class WechatClient:
    def __init__(
        self,
        base_url: str,
        appid: str,
        secret: str,
        *,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.appid = appid
        self.secret = secret
        self.http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        self._token: str | None = None
        self._token_expires: float = 0.0
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise WechatUnavailable("timeout") from exc
        except httpx.TransportError as exc:
            raise WechatUnavailable("unreachable") from exc
        if response.status_code >= 500:
            raise WechatUnavailable(f"http {response.status_code}")
        try:
            data: dict[str, Any] = response.json()
        except ValueError as exc:
            raise WechatUnavailable("bad response") from exc
        errcode = int(data.get("errcode") or 0)
        if errcode in BUSY_ERRCODES:
            raise WechatUnavailable(str(data.get("errmsg", "busy")))
        if errcode:
            raise WechatApiError(errcode, str(data.get("errmsg", "")))
        return data

    async def code2session(self, code: str) -> Session:
        """wx.login code → openid and session_key (jscode2session)."""
        try:
            data = await self._call(
                "GET",
                "/sns/jscode2session",
                params={
                    "appid": self.appid,
                    "secret": self.secret,
                    "js_code": code,
                    "grant_type": "authorization_code",
                },
            )
        except WechatApiError as exc:
            if exc.errcode in INVALID_CODE_ERRCODES:
                raise WechatCodeInvalid() from exc
            raise WechatUnavailable(exc.errmsg) from exc
        return Session(openid=data["openid"], session_key=data["session_key"], unionid=data.get("unionid"))

    async def access_token(self, *, force_refresh: bool = False) -> str:
        """The app's access token via stable_token, cached until 5 minutes before it expires."""
        async with self._token_lock:
            if not force_refresh and self._token and time.monotonic() < self._token_expires:
                return self._token
            data = await self._call(
                "POST",
                "/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                    "force_refresh": force_refresh,
                },
            )
            self._token = str(data["access_token"])
            self._token_expires = time.monotonic() + max(0, int(data.get("expires_in", 7200)) - 300)
            return self._token

    async def call_with_token(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with the access token; on an expired-token errcode refresh once and retry."""
        token = await self.access_token()
        try:
            return await self._call("POST", path, params={"access_token": token}, json=body)
        except WechatApiError as exc:
            if exc.errcode not in TOKEN_EXPIRED_ERRCODES:
                raise
        token = await self.access_token(force_refresh=True)
        return await self._call("POST", path, params={"access_token": token}, json=body)

    async def phone_number(self, code: str) -> str:
        """getPhoneNumber code → the user's phone number (without country code)."""
        try:
            data = await self.call_with_token("/wxa/business/getuserphonenumber", {"code": code})
        except WechatApiError as exc:
            if exc.errcode in INVALID_CODE_ERRCODES:
                raise WechatCodeInvalid() from exc
            raise WechatUnavailable(exc.errmsg) from exc
        return str(data["phone_info"]["purePhoneNumber"])

    async def send_subscribe_message(
        self, *, openid: str, template_id: str, page: str | None, data: dict[str, dict[str, str]]
    ) -> None:
        """cgi-bin/message/subscribe/send; raises WechatApiError (e.g. 43101) or WechatUnavailable."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        await self.call_with_token("/cgi-bin/message/subscribe/send", body)
