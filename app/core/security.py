"""Tokens and password hashes. JWTs are HS256 only; `alg: none` and any other algorithm are refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core import clock
from app.core.settings import Settings

T = TypeVar("T")
ALGORITHM = "HS256"
_hasher = PasswordHash((Argon2Hasher(),))
# Verifying against this for unknown users keeps login timing the same whether or not a user exists.
_DUMMY_HASH = _hasher.hash("linli-dummy-password")


# Each argon2 run takes 64 MiB: a burst of 31 logins took the process to 551 MB (issue #18). Hashes
# run on this small pool of their own, so at most HASH_WORKERS run at once and the rest wait their
# turn (queued calls cost a few hundred bytes each; the login limits bound how many can queue).
HASH_WORKERS = 2
_hash_pool = ThreadPoolExecutor(max_workers=HASH_WORKERS, thread_name_prefix="argon2")


async def _on_hash_pool(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_hash_pool, fn, *args)


async def hash_password(password: str) -> str:
    return await _on_hash_pool(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    return await _on_hash_pool(_hasher.verify, password, password_hash or _DUMMY_HASH) and bool(password_hash)


def create_access_token(settings: Settings, user_id: uuid.UUID) -> tuple[str, int]:
    issued = clock.now()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "typ": "access",
    }
    token = jwt.encode(claims, settings.resolved_jwt_secret(), algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def decode_access_token(settings: Settings, token: str) -> uuid.UUID | None:
    """The user id of a valid access token, or None for anything expired, tampered or malformed."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            return None
        claims = jwt.decode(
            token,
            settings.resolved_jwt_secret(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            # No require_exp: python-jose turns it into verify_exp against the wall clock, which rejects
            # tokens issued while tests freeze the app clock in the past. exp is checked below.
            options={"require_iat": True, "require_sub": True, "verify_exp": False},
        )
        if claims.get("typ") != "access":
            return None
        # Expiry is checked against the app clock so tests can move time.
        if int(claims["exp"]) <= int(clock.now().timestamp()):
            return None
        return uuid.UUID(str(claims["sub"]))
    except (JWTError, ValueError, KeyError, TypeError):
        return None


def new_secret_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str | bytes) -> str:
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose, derived from the deployment secret (HKDF-Expand, RFC 5869, one block).

    The secret is already high-entropy, so it serves as the pseudo-random key; every purpose gets an
    independent key, and none of them is the JWT signing key.
    """
    return hmac.new(secret.encode(), f"linli/{purpose}/v1".encode() + b"\x01", hashlib.sha256).digest()
