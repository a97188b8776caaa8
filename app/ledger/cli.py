"""`python -m app ledger-check`: print the invariant report as JSON; exit 1 when it is broken."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from app.core.database import make_engine, make_sessionmaker
from app.core.runtime import database_url
from app.core.settings import Settings
from app.ledger.check import check_invariants


async def _check(url: str) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_sessionmaker(engine)() as session:
            return await check_invariants(session)
    finally:
        await engine.dispose()


def run_check(settings: Settings, args: argparse.Namespace) -> int:
    try:
        report = asyncio.run(_check(database_url(settings)))
    except Exception as exc:  # the database is unreachable or not migrated: not "ok" either
        print(f"ledger-check failed to run: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2))  # noqa: T201
    return 0 if report["ok"] else 1
