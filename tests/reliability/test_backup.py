"""Also build: `python -m app backup` / `restore` — into an empty database, every count equal, ledger-check ok."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.settings import PROJECT_DIR
from app.models.ledger import Asset
from app.platform.backup import table_counts
from tests.support.factories import TEST_SETTINGS, make_world
from tests.support.ledger import fund


def _cli(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "LINLI_DATA_DIR": str(data_dir),
        "JWT_SECRET": "x" * 40,
        "LINLI_ENV": "dev",
        "WECHAT_APPID": TEST_SETTINGS.wechat_appid,
        "WECHAT_SECRET": TEST_SETTINGS.wechat_secret,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


async def _admin(url: str, sql: str) -> None:
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host
    port = parsed.query.get("port") or parsed.port
    conn = await asyncpg.connect(
        host=str(host),
        port=int(str(port)) if port else None,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def empty_database(database_url: str) -> object:
    name = f"linli_restore_{uuid.uuid4().hex[:8]}"
    await _admin(database_url, f'CREATE DATABASE "{name}"')
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_a_backup_restores_into_an_empty_database_with_every_count_equal(
    live_db: AsyncSession, database_url: str, empty_database: str, tmp_path: Path
) -> None:
    world = await make_world(live_db)
    await fund(live_db, world.resident, 500)
    await fund(live_db, world.neighbour, 120, Asset.hours)
    await live_db.commit()
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    photo = source_dir / "uploads" / "tickets" / "t1" / "a.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    backup_file = tmp_path / "nightly.backup"

    made = _cli("backup", "--out", str(backup_file), database_url=database_url, data_dir=source_dir)
    assert made.returncode == 0, made.stderr
    assert backup_file.exists()
    before = await table_counts(database_url)
    assert before["ledger_transfers"] >= 2

    restored = _cli("restore", str(backup_file), database_url=empty_database, data_dir=target_dir)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    report = json.loads(restored.stdout)
    assert report["ok"] is True
    assert report["differing"] == {}
    assert await table_counts(empty_database) == before  # every table, every count
    assert (target_dir / "uploads" / "tickets" / "t1" / "a.jpg").read_bytes() == photo.read_bytes()

    checked = _cli("ledger-check", database_url=empty_database, data_dir=target_dir)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["ok"] is True

    # A second restore onto the now full database is refused rather than mixed in.
    again = _cli("restore", str(backup_file), database_url=empty_database, data_dir=tmp_path / "other")
    assert again.returncode == 2
    assert "empty database" in again.stderr
