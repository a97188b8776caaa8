"""Registry of periodic jobs. Domains declare them in `app/<domain>/jobs.py`; the worker schedules them.

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

DOMAINS = ("tickets", "ledger", "volunteering", "merchants", "bookings", "notifications", "service_items")


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


def load_all() -> dict[str, PeriodicJob]:
    """Import every domain's jobs module so their @periodic declarations register."""
    for domain in DOMAINS:
        try:
            importlib.import_module(f"app.{domain}.jobs")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.{domain}.jobs":
                raise
    return PERIODIC
