"""Where the database is: DATABASE_URL, or the embedded server started on demand (kept for the process)."""

from __future__ import annotations

import logging

from app.core.embedded import EmbeddedServer, ensure_database, socket_url, start_embedded
from app.core.settings import Settings

log = logging.getLogger("linli.runtime")

_server: EmbeddedServer | None = None


def database_url(settings: Settings) -> str:
    """The asyncpg URL to use; starts (or joins) the embedded server when DATABASE_URL is absent."""
    global _server
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        return url
    if _server is None:
        _server = start_embedded(settings.linli_data_dir)
        ensure_database(_server)
        log.info("embedded postgres ready", extra={"data_dir": str(settings.linli_data_dir / "pg")})
    return socket_url(_server)


def stop_embedded() -> None:
    """Stop the embedded server if this process started it (no-op otherwise)."""
    global _server
    if _server is not None:
        _server.stop()
        _server = None
