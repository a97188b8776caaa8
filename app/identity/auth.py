"""Sign-in and tokens: WeChat login, the desk password flow, refresh-token rotation, logout, phone binding.
Services flush, never commit."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import _
from app.core.ratelimit import Limiter, attempt
from app.core.security import create_access_token, new_secret_token, sha256_hex, verify_password
from app.core.settings import Settings
from app.identity import errors, principal_cache
from app.identity.principal import Principal, load_principal
from app.identity.schemas import TokenOut, UserOut
from app.identity.service import user_out
from app.models.identity import RefreshToken, User
from app.wechat.client import WechatClient


async def _issue_tokens(
    db: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID | None = None
) -> TokenOut:
    access, expires_in = create_access_token(settings, user.id)
    refresh = new_secret_token()
    db.add(
        RefreshToken(
            user_id=user.id,
            token_hash=sha256_hex(refresh),
            family_id=family_id or uuid.uuid4(),
            expires_at=clock.now() + timedelta(days=settings.refresh_token_days),
        )
    )
    await db.flush()
    principal = await load_principal(db, user)
    return TokenOut(
        access_token=access, refresh_token=refresh, expires_in=expires_in, user=user_out(principal)
    )


async def wechat_login(db: AsyncSession, settings: Settings, wechat: WechatClient, code: str) -> TokenOut:
    """wx.login code → code2Session → the resident (created on first login) and a token pair."""
    session = await wechat.code2session(code)
    user = (await db.execute(select(User).where(User.openid == session.openid))).scalar_one_or_none()
    if user is None:
        user = User(openid=session.openid, unionid=session.unionid, session_key=session.session_key, name="")
        db.add(user)
        await db.flush()
    else:
        user.session_key = session.session_key
        if not user.is_active:
            raise errors.BadCredentials(_("账号已停用", "The account is disabled"))
    return await _issue_tokens(db, settings, user)


def _login_key(username: str) -> str:
    return "login:" + username.strip().lower()


async def password_login(
    db: AsyncSession,
    settings: Settings,
    limiter: Limiter,
    username: str,
    password: str,
    client_address: str | None = None,
) -> TokenOut:
    """OAuth2 password flow for desk accounts; repeated failures lock the username for a while.

    Count first, then verify: the attempt is counted (per username, and per client address) before
    argon2 runs, so parallel guesses cannot all slip past a check made before any failure counted.
    A successful login gives its counts back.
    """
    checks = [(_login_key(username), settings.login_attempts_per_window, settings.login_window_seconds)]
    if client_address:
        checks.append(
            (
                f"login-addr:{client_address}",
                settings.login_attempts_per_address,
                settings.login_window_seconds,
            )
        )
    await attempt(
        limiter, checks, _("密码错误次数过多，请稍后再试", "Too many failed attempts; try again later")
    )
    user = (await db.execute(select(User).where(User.username == username.strip()))).scalar_one_or_none()
    ok = await verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        raise errors.BadCredentials()
    for key, _limit, _window in checks:
        await limiter.undo(key)
    return await _issue_tokens(db, settings, user)


async def refresh(db: AsyncSession, settings: Settings, token: str) -> TokenOut:
    """Rotate: the presented token is spent; presenting a spent one revokes its whole family."""
    row = (
        await db.execute(
            select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise errors.RefreshTokenInvalid()
    now = clock.now()
    if row.used_at is not None:
        await revoke_family(db, row.family_id)
        raise errors.RefreshTokenReused()
    if row.expires_at <= now:
        raise errors.RefreshTokenInvalid()
    row.used_at = now
    user = await db.get(User, row.user_id)
    if user is None or not user.is_active:
        raise errors.RefreshTokenInvalid()
    return await _issue_tokens(db, settings, user, family_id=row.family_id)


async def revoke_family(db: AsyncSession, family_id: uuid.UUID) -> None:
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


async def logout(db: AsyncSession, token: str) -> None:
    row = (
        await db.execute(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)))
    ).scalar_one_or_none()
    if row is not None:
        await revoke_family(db, row.family_id)


async def bind_phone(db: AsyncSession, wechat: WechatClient, who: Principal, code: str) -> UserOut:
    who.user.phone = await wechat.phone_number(code)
    await db.flush()
    principal_cache.forget(who.id)
    return user_out(who)
