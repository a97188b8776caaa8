"""Registry of periodic jobs. Domains declare them in `app/<domain>/jobs.py` (listed in `app/domains.py`);
the worker schedules them.

    @periodic("tickets.escalate_overdue", "* * * * *")
    async def escalate_overdue(db: AsyncSession, now: datetime) -> int:
        return await service.escalate_overdue(db, now)

The function gets its own session (committed by the runner) and the current time from app.core.clock;
it must be idempotent (it may run twice) and returns how many records it changed.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

JobFn = Callable[[AsyncSession, datetime], Awaitable[int]]

_loader: Callable[[], object] | None = None


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    cron: str
    fn: JobFn


PERIODIC: dict[str, PeriodicJob] = {}


def periodic(name: str, cron: str = "* * * * *") -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        PERIODIC[name] = PeriodicJob(name, cron, fn)
        return fn

    return register


def install_loader(loader: Callable[[], object]) -> None:
    """`app.domains` installs the function that imports every domain's jobs module (core knows no domain)."""
    global _loader
    _loader = loader


def load_all() -> dict[str, PeriodicJob]:
    """Every registered periodic job, after the domain registry (app.domains) imported their modules."""
    if _loader is None:
        importlib.import_module("app.domains")  # installs the loader; core names no domain itself
    if _loader is not None:
        _loader()
    return PERIODIC
