"""The one list of Linli's domains: what `main` mounts, what the worker schedules, what the demo seeds.

A new domain adds one line to DOMAINS:

    Domain("surveys")                              # app/surveys/router.py (router), jobs.py, demo.py
    Domain("grid", jobs=False, demo=False)          # say which of the three it does not have

- `router`: `app/<name>/router.py` exposes `router` (an APIRouter), mounted under /api/v1 in this order;
- `jobs`: `app/<name>/jobs.py` declares its periodic jobs with `@app.core.periodic.periodic(...)`;
- `demo`: `app/<name>/demo.py` has `async def seed(db, world)`, run by `app.demo` after the base world.

`app.core` knows none of this: the worker asks `app.core.periodic.load_all()`, which calls the loader
this module installs (`load_jobs`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from app.core import periodic

if TYPE_CHECKING:
    from fastapi import APIRouter


@dataclass(frozen=True)
class Domain:
    name: str
    router: bool = True
    jobs: bool = True
    demo: bool = True

    def module(self, part: str) -> ModuleType:
        return importlib.import_module(f"app.{self.name}.{part}")


DOMAINS: tuple[Domain, ...] = (
    Domain("identity", jobs=False, demo=False),
    Domain("tickets"),
    Domain("ledger"),
    Domain("volunteering"),
    Domain("merchants"),
    Domain("bookings"),
    Domain("notifications", jobs=False),
    Domain("grid", jobs=False),
    Domain("service_items"),
    Domain("consultation"),
    Domain("projects", jobs=False),
    Domain("holidays", demo=False),
    Domain("rectifications", jobs=False, demo=False),
    Domain("surveys", jobs=False),
    Domain("review", jobs=False),
    Domain("privacy", jobs=False, demo=False),
    Domain("platform", router=False, demo=False),
)


def routers() -> list[APIRouter]:
    """Every domain's router, in DOMAINS order."""
    return [d.module("router").router for d in DOMAINS if d.router]


def load_jobs() -> dict[str, periodic.PeriodicJob]:
    """Import every domain's jobs module so its @periodic declarations register; the registry."""
    for d in DOMAINS:
        if d.jobs:
            d.module("jobs")
    return periodic.PERIODIC


def demo_seeders() -> list[Any]:
    """Every domain's `demo.seed(db, world)`, in DOMAINS order."""
    return [d.module("demo").seed for d in DOMAINS if d.demo]


periodic.install_loader(load_jobs)
