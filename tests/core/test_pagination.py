"""Every paginated GET answers a forged but well-formed cursor with 422 `invalid_cursor`, never a 500.

The endpoints are read from the OpenAPI schema (every GET with a `cursor` query parameter), so a new
paginated endpoint is covered the day it is added; a new path parameter needs a value in PATH_VALUES.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import InvalidCursor, PageParams, encode_cursor
from tests.support.factories import World, auth
from tests.support.grid import make_building
from tests.support.projects import make_call


async def _building(db: AsyncSession, w: World) -> Any:
    return (await make_building(db, w.grid)).id


async def _value(v: Any) -> Any:
    return v


async def _call(db: AsyncSession, w: World) -> Any:
    return (await make_call(db, w.community, w.staff)).id


# Path parameters of paginated endpoints: a record one of the callers below may list.
PATH_VALUES: dict[str, Callable[[AsyncSession, World], Awaitable[Any]]] = {
    "merchant_id": lambda db, w: _value(w.merchant.id),
    "community_id": lambda db, w: _value(w.community.id),
    "building_id": _building,
    "call_id": _call,
}


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Well-formed (base64 of a JSON list) but holding values no endpoint wrote: wrong types, wrong length,
# a non-date, a non-UUID, a naive datetime.
FORGED = [
    _cursor([1, 2]),
    _cursor(["not-a-date", "not-a-uuid"]),
    _cursor(["2026-11-28T10:00:00+00:00", "not-a-uuid"]),
    _cursor(["2026-11-28T10:00:00", str(uuid.uuid4())[:-1] + "g"]),
    _cursor([]),
    _cursor(["a", "b", "c"]),
    _cursor([None, {"x": 1}]),
    _cursor({"not": "a list"}),
]


def paginated_gets(app: FastAPI) -> list[str]:
    paths = []
    for path, item in app.openapi()["paths"].items():
        op = item.get("get")
        if op and any(p["name"] == "cursor" and p["in"] == "query" for p in op.get("parameters", [])):
            paths.append(path)
    return paths


async def test_every_paginated_endpoint_refuses_a_forged_cursor(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    paths = paginated_gets(app)
    assert len(paths) >= 12, paths  # the list is read from the app, not typed here
    callers = [world.admin, world.staff, world.resident, world.merchant_staff, world.handler]
    for template in paths:
        path = template
        for name in [seg[1:-1] for seg in template.split("/") if seg.startswith("{")]:
            assert name in PATH_VALUES, f"{template}: add a value for {{{name}}} to PATH_VALUES"
            path = path.replace("{" + name + "}", str(await PATH_VALUES[name](db, world)))
            await db.flush()
        caller = None
        for who in callers:
            r = await client.get(path, headers=auth(who))
            if r.status_code == 200:
                caller = who
                break
        assert caller is not None, f"{template}: no caller in the test world may list it"
        for cursor in FORGED:
            r = await client.get(path, params={"cursor": cursor}, headers=auth(caller))
            assert r.status_code == 422, (template, cursor, r.status_code, r.text)
            assert r.json()["code"] == "invalid_cursor", (template, r.text)


def test_after_reads_typed_values_back() -> None:
    at, last = datetime(2026, 11, 28, 8, 30, tzinfo=UTC), uuid.uuid4()
    params = PageParams(limit=10, cursor=encode_cursor([at, last]))
    assert params.after(datetime, uuid.UUID) == (at, last)
    assert PageParams(limit=10, cursor=None).after(datetime, uuid.UUID) is None
    assert PageParams(limit=10, cursor=encode_cursor(["名字", last])).after(str, uuid.UUID) == ("名字", last)
    for bad in (encode_cursor([at]), encode_cursor([True, last]), "%%%"):
        with pytest.raises(InvalidCursor):
            PageParams(limit=10, cursor=bad).after(int, uuid.UUID)
