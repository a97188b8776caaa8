"""What every benchmark shares: a database, seeded worlds, tokens, servers in their own processes, and a
load generator in another process.

- `database()`: `DATABASE_URL` when set (migrated to head), otherwise a private embedded PostgreSQL.
- `seed_*`: bulk seeding through SQLAlchemy Core (column defaults applied), so a world of tens of
  thousands of residents with balanced ledger rows takes seconds; `ledger-check` holds afterwards.
- `serve_app()`: the app started exactly as `python -m app serve` starts it, in its own process group.
- `serve_bare()`: `bench.bare`, a bare FastAPI endpoint doing the same SQL, on the same database.
- `load()`: wrk (Debian's `wrk` package) in another process, driven by `bench/wrk.lua` from a file of
  prepared requests; without wrk, `bench.loadgen` (an asyncio client in a separate process) does it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core import clock
from app.core.security import create_access_token, sha256_hex
from app.core.settings import Settings
from app.models.identity import OrgKind, OrgUnit, Role, RoleGrant, User
from app.models.ledger import Account, AccountKind, Asset, Transfer, TransferKind

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
JWT_SECRET = "bench-secret-" + "x" * 40
SETTINGS = Settings(linli_env="dev", jwt_secret=JWT_SECRET)


def say(*parts: object) -> None:
    print(*parts, flush=True)  # noqa: T201


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@contextlib.asynccontextmanager
async def database() -> AsyncIterator[str]:
    """A migrated database URL (postgresql+asyncpg://…): DATABASE_URL, or a private embedded server."""
    from app.core.migrations import upgrade_async as upgrade

    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        await upgrade(url)
        yield url
        return
    from tests.support.db import embedded_server_url

    with embedded_server_url() as embedded:
        await upgrade(embedded)
        yield embedded


def token(user_id: uuid.UUID) -> str:
    access, _ = create_access_token(SETTINGS, user_id)
    return access


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average at start {load:.2f}"
    )


# ------------------------------------------------------------------------------------------ seeding


async def community(conn: AsyncConnection, name: str) -> uuid.UUID:
    cid = uuid.uuid4()
    await conn.execute(
        insert(OrgUnit), [{"id": cid, "name": name, "kind": OrgKind.community, "community_id": cid}]
    )
    return cid


async def users(
    conn: AsyncConnection, community_id: uuid.UUID, n: int, prefix: str, *, role: Role | None = None
) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(n)]
    if ids:
        tag = uuid.uuid4().hex[:6]
        await conn.execute(
            insert(User),
            [
                {"id": i, "name": f"{prefix}{k}", "openid": f"bench-{tag}-{k}", "community_id": community_id}
                for k, i in enumerate(ids)
            ],
        )
        if role is not None:
            await conn.execute(
                insert(RoleGrant),
                [{"user_id": i, "role": role, "org_unit_id": community_id} for i in ids],
            )
    return ids


async def system_account(
    conn: AsyncConnection, community_id: uuid.UUID, purpose: str, asset: Asset
) -> uuid.UUID:
    aid = uuid.uuid4()
    await conn.execute(
        insert(Account),
        [
            {
                "id": aid,
                "kind": AccountKind.system,
                "asset": asset,
                "community_id": community_id,
                "purpose": purpose,
            }
        ],
    )
    return aid


async def fund_wallets(
    conn: AsyncConnection, community_id: uuid.UUID, owners: Sequence[uuid.UUID], asset: Asset, amount: int
) -> dict[uuid.UUID, uuid.UUID]:
    """A wallet per owner holding `amount`, each from one grant out of the community's issuance account."""
    issuance = (
        await conn.execute(
            text(
                "SELECT id FROM ledger_accounts WHERE community_id = :c AND purpose = 'issuance' AND asset = :a"
            ),
            {"c": community_id, "a": asset.value},
        )
    ).scalar()
    if issuance is None:
        issuance = await system_account(conn, community_id, "issuance", asset)
    wallets = {owner: uuid.uuid4() for owner in owners}
    await conn.execute(
        insert(Account),
        [
            {
                "id": w,
                "kind": AccountKind.user,
                "asset": asset,
                "user_id": o,
                "community_id": community_id,
                "balance": amount,
            }
            for o, w in wallets.items()
        ],
    )
    start = (
        await conn.execute(text("SELECT balance FROM ledger_accounts WHERE id = :i"), {"i": issuance})
    ).scalar_one()
    await conn.execute(
        insert(Transfer),
        [
            {
                "asset": asset,
                "debit_account_id": issuance,
                "credit_account_id": w,
                "amount": amount,
                "kind": TransferKind.grant,
                "debit_balance_after": start - amount * (k + 1),
                "credit_balance_after": amount,
                "reference": "bench:seed",
            }
            for k, w in enumerate(wallets.values())
        ],
    )
    await conn.execute(
        text("UPDATE ledger_accounts SET balance = balance - :t WHERE id = :i"),
        {"t": amount * len(wallets), "i": issuance},
    )
    return wallets


async def redemption_codes(conn: AsyncConnection, residents: Sequence[uuid.UUID]) -> list[str]:
    """A fresh live code per resident, written straight into the table (the phone's part is not measured)."""
    from app.merchants.service import new_code

    codes = [new_code() for _ in residents]
    now = clock.now()
    await conn.execute(
        text("DELETE FROM redemption_codes WHERE user_id = ANY(:ids)"), {"ids": list(residents)}
    )
    await conn.execute(
        text(
            "INSERT INTO redemption_codes (user_id, code_hash, issued_at, expires_at) VALUES (:u, :h, :i, :e)"
        ),
        [
            {"u": r, "h": sha256_hex(c), "i": now, "e": now + timedelta(hours=2)}
            for r, c in zip(residents, codes, strict=True)
        ],
    )
    return codes


# ------------------------------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], path: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(base + path, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base}{path} not ready after {timeout:.0f} s")


PIDS: dict[str, int] = {}


@contextlib.contextmanager
def profiling(base: str, out: str, seconds: float) -> Iterator[None]:
    """py-spy (from PyPI, on PATH) records the server behind `base` for `seconds`; folded stacks to `out`."""
    spy = shutil.which("py-spy")
    if spy is None:
        say("BENCH_PROFILE set but py-spy is not on PATH (pip install py-spy); not profiling")
        yield
        return
    proc = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(PIDS[base]),
            "--duration",
            f"{seconds:.0f}",
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            out,
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        proc.wait(timeout=seconds + 60)
        say(f"profile of the API process written to {out}")


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], base: str, ready_path: str) -> Iterator[str]:
    log = tempfile.NamedTemporaryFile(prefix="linli-bench-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        args, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    PIDS[base] = proc.pid
    try:
        try:
            _wait_ready(base, proc, ready_path)
        except RuntimeError:
            log.flush()
            say(Path(log.name).read_text(errors="replace")[-3000:])
            raise
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        os.unlink(log.name)


def _env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(
        DATABASE_URL=url,
        JWT_SECRET=JWT_SECRET,
        LINLI_ENV="dev",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def serve_app(url: str, *, workers: int | None = 1) -> Iterator[str]:
    """`python -m app serve` on a free port (one API process unless told), as an operator starts it."""
    port = free_port()
    args = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None and serve_takes_workers():
        args += ["--workers", str(workers)]
    with _process(args, _env(url), f"http://127.0.0.1:{port}", "/readyz") as base:
        yield base


@functools.cache
def serve_takes_workers() -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    return "--workers" in out.stdout


@contextlib.contextmanager
def serve_bare(url: str) -> Iterator[str]:
    """bench.bare under uvicorn, one process, on a free port."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with _process(args, _env(url), f"http://127.0.0.1:{port}", "/bare/healthz") as base:
        yield base


# ------------------------------------------------------------------------------------------ load


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str = ""
    body: dict[str, Any] | None = None
    idempotent: bool = False


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    sample_error: str
    cpu_ms: float = 0.0  # server CPU (user + system) per request, all its processes

    def row(self) -> str:
        return f"{self.rate:9.1f} {self.p50_ms:8.1f} {self.p99_ms:8.1f} {self.cpu_ms:7.2f} {self.errors:6d}"


def _proc_stats() -> dict[int, list[str]]:
    """Every live process's /proc/<pid>/stat fields after the command name."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
    return stats


def family(pid: int, stats: dict[int, list[str]] | None = None) -> set[int]:
    """`pid` and its live descendants (Linux /proc)."""
    parents = {p: int(fields[1]) for p, fields in (stats if stats is not None else _proc_stats()).items()}
    members, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in members:
                members.add(child)
                frontier.append(child)
    return members


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its live descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = _proc_stats()
    return sum((int(stats[p][11]) + int(stats[p][12])) / tick for p in family(pid, stats) if p in stats)


def _request_file(requests: Sequence[Request]) -> Path:
    fd, name = tempfile.mkstemp(prefix="linli-bench-requests-", suffix=".tsv")
    with os.fdopen(fd, "w") as f:
        for r in requests:
            body = json.dumps(r.body, ensure_ascii=False, separators=(",", ":")) if r.body is not None else ""
            key = uuid.uuid4().hex if r.idempotent else ""
            f.write(f"{r.method}\t{r.path}\t{r.token}\t{key}\t{body}\n")
    return Path(name)


def load(base: str, requests: Sequence[Request], *, connections: int, seconds: float) -> Result:
    """Drive `base` with `connections` keep-alive connections for `seconds`, each request used once
    (wrk stops a connection when its share runs out, so no request is ever replayed)."""
    path = _request_file(requests)
    pid = PIDS.get(base)
    before = cpu_seconds(pid) if pid else 0.0
    try:
        if shutil.which("wrk"):
            result = _wrk(base, path, connections, seconds)
        else:
            say("wrk not found (Debian: apt-get install wrk); using bench.loadgen, an asyncio client process")
            result = _loadgen(base, path, connections, seconds)
    finally:
        path.unlink()
    if pid and result.requests:
        spent = cpu_seconds(pid) - before
        result = dataclasses.replace(result, cpu_ms=round(1000 * spent / result.requests, 2))
    return result


def _wrk(base: str, path: Path, connections: int, seconds: float) -> Result:
    threads = min(2, connections)
    done = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds:.0f}s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH_DIR / "wrk.lua"),
            base,
            "--",
            str(path),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 120,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return Result(**json.loads(line.removeprefix("BENCH_JSON ")))
    raise RuntimeError(f"wrk gave no result: {done.stdout[-2000:]} {done.stderr[-2000:]}")


def _loadgen(base: str, path: Path, connections: int, seconds: float) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", base, str(path), str(connections), str(seconds)],
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 120,
        cwd=REPO,
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return Result(**json.loads(line.removeprefix("BENCH_JSON ")))
    raise RuntimeError(f"loadgen gave no result: {done.stdout[-2000:]} {done.stderr[-2000:]}")
