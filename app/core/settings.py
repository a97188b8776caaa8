"""Configuration read from the environment (and `.env`), one object per process."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parents[2]
MIN_JWT_SECRET_BYTES = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # dev: demo mode (generated JWT secret, WeChat fake allowed); prod: every secret must be given.
    linli_env: Literal["dev", "prod"] = "dev"
    database_url: str | None = None
    linli_data_dir: Path = PROJECT_DIR / ".data"

    wechat_appid: str = "wx-demo-appid"
    wechat_secret: str = "demo-secret"
    wechat_api_base: str = "https://api.weixin.qq.com"
    # Mount the local WeChat fake under /_fake/wechat (demo mode only).
    wechat_fake: bool = False
    wechat_timeout_seconds: float = 5.0

    jwt_secret: str | None = None
    jwt_issuer: str = "linli"
    jwt_audience: str = "linli-api"
    access_token_minutes: int = 30
    refresh_token_days: int = 30

    redis_url: str | None = None
    login_attempts_per_window: int = 5
    login_window_seconds: int = 300
    # Password attempts from one client address per login window, whatever the usernames.
    login_attempts_per_address: int = 30

    # /metrics: with a token, only `Authorization: Bearer <token>`; without, only private addresses.
    metrics_token: str | None = None
    # /docs and /redoc: default on in dev, off in prod.
    docs_enabled: bool | None = None

    idempotency_ttl_hours: int = 48
    max_body_bytes: int = 12 * 1024 * 1024
    invitation_days: int = 7
    host: str = "127.0.0.1"
    port: int = 8000
    # API processes `serve` starts (default: one per CPU core).
    linli_api_workers: int | None = None
    # Seconds a resolved caller (user, roles, scope) is reused from the in-process cache; also the
    # longest a revoked role or a deactivated account keeps working (docs/performance.md).
    linli_principal_cache_seconds: float = 10.0
    log_level: str = "INFO"
    timezone: str = "Asia/Shanghai"
    extra: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _secrets_in_production(self) -> Settings:
        if self.linli_env == "prod":
            missing = [
                name
                for name, value in (
                    ("JWT_SECRET", self.jwt_secret),
                    ("DATABASE_URL", self.database_url),
                    ("WECHAT_APPID", self.wechat_appid if self.wechat_appid != "wx-demo-appid" else None),
                    ("WECHAT_SECRET", self.wechat_secret if self.wechat_secret != "demo-secret" else None),
                )
                if not value
            ]
            if missing:
                raise ValueError(
                    "LINLI_ENV=prod refuses to start without: "
                    + ", ".join(missing)
                    + " (set them in the environment)"
                )
            if self.wechat_fake:
                raise ValueError("LINLI_ENV=prod refuses to start with WECHAT_FAKE=1")
            if len((self.jwt_secret or "").encode()) < MIN_JWT_SECRET_BYTES:
                raise ValueError(
                    f"LINLI_ENV=prod refuses a JWT_SECRET shorter than {MIN_JWT_SECRET_BYTES} bytes"
                    " (HS256 needs at least 256 bits; e.g. `openssl rand -base64 48`)"
                )
        return self

    @property
    def serve_docs(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else self.linli_env == "dev"

    def resolved_jwt_secret(self) -> str:
        """The signing secret; in dev mode one is generated once and kept in the data directory."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.linli_data_dir / "jwt_secret"
        if path.exists():
            return path.read_text().strip()
        self.linli_data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        self.jwt_secret = value
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
