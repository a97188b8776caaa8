"""`python -m app backup` / `restore`: the database (pg_dump custom format) and the uploads, in one file.

A backup is a tar file holding:

- `database.dump` — `pg_dump --format=custom` of the whole database (schema, data, Alembic revision,
  the job queue);
- `uploads/…` — every file under `LINLI_DATA_DIR/uploads` (ticket photos and their thumbnails);
- `manifest.json` — when, from which revision, with which pg_dump, and the row count of every table,
  which `restore` checks afterwards.

`restore FILE` refuses a database that already has tables (restore into a new, empty one and point
DATABASE_URL at it) and an uploads directory that already has files, unless `--force`. The programs are
the embedded wheel's or the system's, whichever matches the server's major version (else the nearest
newer one: pg_dump reads older servers, never newer ones).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.core import clock
from app.core.embedded import bin_dir
from app.core.runtime import database_url
from app.core.settings import Settings

DUMP_NAME = "database.dump"
MANIFEST_NAME = "manifest.json"
UPLOADS = "uploads"


class BackupError(Exception):
    pass


# ---------------------------------------------------------------------------------------- connections


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection options and environment (the password never on the command line)."""
    parsed = make_url(url)
    args: list[str] = []
    env = dict(os.environ)
    host = parsed.query.get("host") or parsed.host
    port = parsed.query.get("port") or parsed.port
    if host:
        args += ["--host", str(host[0] if isinstance(host, tuple) else host)]
    if port:
        args += ["--port", str(port[0] if isinstance(port, tuple) else port)]
    if parsed.username:
        args += ["--username", parsed.username]
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    ssl = parsed.query.get("ssl")
    if ssl:
        value = str(ssl[0] if isinstance(ssl, tuple) else ssl).lower()
        env["PGSSLMODE"] = {"true": "require", "false": "disable"}.get(value, value)
    args += ["--dbname", parsed.database or "postgres"]
    return args, env


async def _query(url: str, sql: str, *params: Any) -> list[Any]:
    import asyncpg

    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host
    port = parsed.query.get("port") or parsed.port
    conn = await asyncpg.connect(
        host=str(host[0] if isinstance(host, tuple) else host) if host else None,
        port=int(port[0] if isinstance(port, tuple) else port) if port else None,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )
    try:
        return list(await conn.fetch(sql, *params))
    finally:
        await conn.close()


async def _server_major(url: str) -> int:
    rows = await _query(url, "SHOW server_version_num")
    return int(rows[0][0]) // 10000


async def table_counts(url: str) -> dict[str, int]:
    """Rows in every table of the public schema."""
    tables = [
        r["tablename"]
        for r in await _query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    ]
    counts: dict[str, int] = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        counts[table] = int((await _query(url, f"SELECT count(*) FROM {quoted}"))[0][0])
    return counts


# ---------------------------------------------------------------------------------------- programs


def _major_of(program: Path) -> int | None:
    try:
        out = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def _candidates(name: str) -> list[Path]:
    dirs: list[Path] = []
    try:
        dirs.append(bin_dir())
    except RuntimeError:
        pass
    on_path = shutil.which(name)
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    seen: list[Path] = []
    for d in dirs:
        if (d / name).exists() and d / name not in seen:
            seen.append(d / name)
    return seen


def program(name: str, at_least: int) -> tuple[Path, int]:
    """`name` of major version `at_least` if there is one, else the nearest newer one."""
    found = [(p, m) for p in _candidates(name) if (m := _major_of(p)) is not None and m >= at_least]
    if not found:
        raise BackupError(f"no {name} of PostgreSQL {at_least} or newer (install the client or the wheel)")
    return min(found, key=lambda item: item[1])


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


# ---------------------------------------------------------------------------------------- backup


def backup(url: str, uploads_dir: Path, out: Path) -> dict[str, Any]:
    """Write the backup file `out`; returns its manifest."""
    from app.core.migrations import head_revision

    major = asyncio.run(_server_major(url))
    pg_dump, dump_major = program("pg_dump", major)
    conn_args, env = _libpq(url)
    out = out.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="linli-backup-") as work:
        dump = Path(work) / DUMP_NAME
        # Counted inside the dump's own snapshot would be ideal; counted right before, with a quiet
        # system, it is what an operator compares after a restore.
        counts = asyncio.run(table_counts(url))
        _run(
            [
                str(pg_dump),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(dump),
                *conn_args,
            ],
            env,
        )
        revision = asyncio.run(_query(url, "SELECT version_num FROM alembic_version"))
        files = sorted(p for p in uploads_dir.rglob("*") if p.is_file()) if uploads_dir.exists() else []
        manifest = {
            "format": 1,
            "created_at": clock.now().isoformat(),
            "revision": revision[0][0] if revision else None,
            "code_head": head_revision(),
            "server_major": major,
            "pg_dump_major": dump_major,
            "tables": counts,
            "uploads": len(files),
        }
        partial = out.with_name(out.name + ".part")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=DUMP_NAME)
            for path in files:
                tar.add(path, arcname=f"{UPLOADS}/{path.relative_to(uploads_dir).as_posix()}")
        partial.replace(out)
    return manifest


# ---------------------------------------------------------------------------------------- restore


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"refusing an odd entry in the backup: {member.name!r}")
        members.append(member)
    return members


def restore(url: str, uploads_dir: Path, source: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore `source` into the (empty) database at `url` and `uploads_dir`; returns the comparison."""
    source = source.expanduser().resolve()
    with tarfile.open(source, "r") as tar:
        members = _safe_members(tar)
        manifest_file = tar.extractfile(MANIFEST_NAME)
        if manifest_file is None:
            raise BackupError("not a Linli backup (no manifest.json)")
        manifest = json.loads(manifest_file.read())
        existing = asyncio.run(_query(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))[0][
            0
        ]
        if existing and not force:
            raise BackupError(
                f"the target database already has {existing} tables: restore into a new, empty database"
            )
        uploads_dir.mkdir(parents=True, exist_ok=True)
        if any(uploads_dir.iterdir()) and not force:
            raise BackupError(f"{uploads_dir} is not empty: restore the uploads into an empty directory")
        pg_restore, _major = program("pg_restore", int(manifest.get("pg_dump_major") or 0))
        conn_args, env = _libpq(url)
        with tempfile.TemporaryDirectory(prefix="linli-restore-") as work:
            tar.extract(DUMP_NAME, work)
            options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
            if force:
                options = ["--no-owner", "--no-privileges", "--clean", "--if-exists"]
            _run([str(pg_restore), *options, *conn_args, str(Path(work) / DUMP_NAME)], env)
        for member in members:
            if member.isfile() and member.name.startswith(UPLOADS + "/"):
                target = uploads_dir / Path(member.name).relative_to(UPLOADS)
                target.parent.mkdir(parents=True, exist_ok=True)
                extracted = tar.extractfile(member)
                if extracted is not None:
                    target.write_bytes(extracted.read())
    counts = asyncio.run(table_counts(url))
    differing = {
        table: {"backup": want, "restored": counts.get(table)}
        for table, want in manifest["tables"].items()
        if counts.get(table) != want
    }
    restored_files = sum(1 for p in uploads_dir.rglob("*") if p.is_file())
    return {
        "ok": not differing and restored_files >= manifest["uploads"],
        "revision": manifest["revision"],
        "tables": len(manifest["tables"]),
        "rows": sum(manifest["tables"].values()),
        "differing": differing,
        "uploads": restored_files,
    }


# ---------------------------------------------------------------------------------------- commands


def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else Path(f"linli-{clock.now():%Y%m%d-%H%M%S}.backup")
    try:
        manifest = backup(database_url(settings), settings.linli_data_dir / UPLOADS, out)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    rows = sum(manifest["tables"].values())
    print(  # noqa: T201
        f"backup written to {out}: revision {manifest['revision']}, {len(manifest['tables'])} tables, "
        f"{rows} rows, {manifest['uploads']} uploaded files"
    )
    return 0


def run_restore(settings: Settings, args: argparse.Namespace) -> int:
    try:
        report = restore(
            database_url(settings), settings.linli_data_dir / UPLOADS, Path(args.file), force=args.force
        )
    except (BackupError, OSError, tarfile.TarError) as exc:
        print(f"restore failed: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2))  # noqa: T201
    return 0 if report["ok"] else 1
