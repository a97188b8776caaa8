"""Command line: python -m app serve | worker | migrate | create-admin | seed-demo | ledger-check | backup | restore."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

from pydantic import ValidationError

from app.core.database import make_engine, make_sessionmaker, unit_of_work
from app.core.logging import configure_logging
from app.core.migrations import upgrade
from app.core.runtime import database_url
from app.core.settings import Settings, get_settings


async def _in_session(url: str, work: Callable[[Any], Awaitable[Any]]) -> Any:
    engine = make_engine(url, pool_size=2, max_overflow=0)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


def _prepare(settings: Settings) -> str:
    url = database_url(settings)
    upgrade(url)
    return url


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    _prepare(settings)
    print("database migrated to head")  # noqa: T201
    return 0


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from app.identity.grants import ensure_admin

    url = _prepare(settings)
    asyncio.run(_in_session(url, lambda db: ensure_admin(db, args.username, args.password)))
    print(f"admin {args.username!r} ready")  # noqa: T201
    return 0


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from app import demo

    url = _prepare(settings)
    world = asyncio.run(_in_session(url, lambda db: demo.seed(db, settings)))
    print("demo data loaded" if world else "demo data already present")  # noqa: T201
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate, (demo) seed, serve; every signal that stops it stops what it started, in order.

    uvicorn handles SIGINT/SIGTERM gracefully and then re-raises the signal; with SIGTERM's default
    action that killed this process before it could stop the worker and the embedded PostgreSQL. Here
    SIGTERM, SIGINT, SIGHUP and SIGQUIT all end in the same `finally`: API, then worker, then database.
    """
    import uvicorn

    from app import demo
    from app.core.runtime import stop_embedded

    port = args.port or settings.port
    host = args.host or settings.host
    server: uvicorn.Server | None = None
    worker: subprocess.Popen[bytes] | None = None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if server is None:
            raise SystemExit(128 + signum)  # still preparing: unwind through the finally below
        if not server.should_exit:
            server.handle_exit(signum, frame)  # graceful: finish in-flight requests

    handled = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT]
    previous = {sig: signal.signal(sig, on_signal) for sig in handled}
    try:
        url = _prepare(settings)
        # The app process serves from the same server this process started (embedded) or was given.
        os.environ["DATABASE_URL"] = url
        if args.demo:
            asyncio.run(_in_session(url, lambda db: demo.seed(db, settings)))
            print(demo.login_help(port), flush=True)  # noqa: T201
        get_settings.cache_clear()
        # The demo is complete with one background worker beside the API (same database, via DATABASE_URL).
        # One background worker beside the API (same database, via DATABASE_URL) unless --no-worker.
        if args.demo or args.worker:
            worker = subprocess.Popen([sys.executable, "-m", "app", "worker"])
        processes = args.workers or settings.linli_api_workers or os.cpu_count() or 1
        config = uvicorn.Config(
            "app.main:app", host=host, port=port, log_config=None, proxy_headers=True, workers=processes
        )
        print(  # noqa: T201
            f"linli: serving http://{host}:{port} with {processes} API process{'es' if processes > 1 else ''}"
            f" and {'one' if worker is not None else 'no'} job worker",
            flush=True,
        )
        if processes > 1:
            from uvicorn.supervisors import Multiprocess

            # The supervisor installs its own SIGINT/SIGTERM handlers, stops its children and returns;
            # the finally below then stops the job worker and the embedded database as before.
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server = uvicorn.Server(config)
            server.run()
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        stop_embedded()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _delegate(module_name: str, func: str, settings: Settings, args: argparse.Namespace) -> int:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        print(f"{args.command}: not available yet in this build", file=sys.stderr)  # noqa: T201
        return 2
    result: int = getattr(module, func)(settings, args)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="Linli (邻里) service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate and serve the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="load demo data once before serving")
    serve.add_argument(
        "--worker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run one background job worker beside the API (default; --no-worker to leave it out)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="API processes (default: LINLI_API_WORKERS, else one per CPU core)",
    )
    sub.add_parser("worker", help="run the background job worker")
    sub.add_parser("migrate", help="upgrade the database to the newest revision")
    admin = sub.add_parser("create-admin", help="create an admin (and the root street if none)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--password", required=True)
    sub.add_parser("seed-demo", help="load the demo data (once)")
    sub.add_parser("ledger-check", help="verify the ledger invariants; non-zero exit when broken")
    back = sub.add_parser(
        "backup", help="write the database (pg_dump custom format) and the uploads to one file"
    )
    back.add_argument("--out", help="the backup file (default: linli-YYYYMMDD-HHMMSS.backup here)")
    restore = sub.add_parser("restore", help="restore a backup into an empty database and uploads directory")
    restore.add_argument("file", help="a file written by `python -m app backup`")
    restore.add_argument("--force", action="store_true", help="restore over existing tables and files")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        messages = "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())
        print(f"linli: refusing to start: {messages}", file=sys.stderr)  # noqa: T201
        return 2
    configure_logging(settings.log_level)
    handlers: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "serve": cmd_serve,
        "migrate": cmd_migrate,
        "create-admin": cmd_create_admin,
        "seed-demo": cmd_seed_demo,
        "worker": lambda s, a: _delegate("app.platform.worker", "run_worker", s, a),
        "ledger-check": lambda s, a: _delegate("app.ledger.cli", "run_check", s, a),
        "backup": lambda s, a: _delegate("app.platform.backup", "run_backup", s, a),
        "restore": lambda s, a: _delegate("app.platform.backup", "run_restore", s, a),
    }
    return handlers[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
