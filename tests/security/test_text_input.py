"""Issue #18 point 9: control characters in text are refused with 422, and exports survive stored ones."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.text import printable
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"


def _refused(r: httpx.Response, field: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "validation_error"
    assert any(e["type"] == "control_character" and e["loc"][-1] == field for e in body["errors"]), body


@pytest.mark.parametrize("bad", ["灯坏了\u0000", "a\u0001b", "\u001c", "\ud800"])
async def test_control_character_in_ticket_title_is_422(
    client: httpx.AsyncClient, db: AsyncSession, world: World, bad: str
) -> None:
    category = await make_category(db, world.community)
    await db.flush()
    body = {"category_id": str(category.id), "title": bad, "description": "楼道灯坏了"}
    # ensure_ascii: a lone surrogate travels as the JSON escape \\ud800, the way a hostile client sends it
    headers = {**auth(world.resident), "Content-Type": "application/json"}
    r = await client.post(f"{API}/tickets", content=json.dumps(body), headers=headers)
    _refused(r, "title")


async def test_nul_in_reject_reason_is_422(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    ticket = await make_ticket(db, await make_category(db, world.community), world.resident)
    await db.flush()
    r = await client.post(
        f"{API}/tickets/{ticket.id}/reject", json={"reason": "重复\u0000"}, headers=auth(world.staff)
    )
    _refused(r, "reason")


async def test_nul_in_service_description_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        f"{API}/services", json={"name": "理发", "description": "每周\u0000二"}, headers=auth(world.staff)
    )
    _refused(r, "description")


async def test_nul_in_mutual_aid_title_is_422(client: httpx.AsyncClient, world: World) -> None:
    ask = {"title": "买菜\u0000", "minutes": 30, "when_at": (clock.now() + timedelta(days=1)).isoformat()}
    r = await client.post(f"{API}/mutual-aid", json=ask, headers=auth(world.resident))
    _refused(r, "title")


async def test_nul_in_query_and_form_fields_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get(f"{API}/tickets", params={"q": "灯\u0000"}, headers=auth(world.staff))
    _refused(r, "q")
    r = await client.post(f"{API}/auth/token", data={"username": "ad\u0000min", "password": "whatever1"})
    assert r.status_code in (401, 422), r.text  # never a 500


async def test_text_is_nfc_normalised_and_newlines_unified(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    category = await make_category(db, world.community)
    await db.flush()
    body = {"category_id": str(category.id), "title": "  Cafe\u0301 ", "description": "第一行\r\n第二行\t完"}
    r = await client.post(f"{API}/tickets", json=body, headers=auth(world.resident))
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "Caf\u00e9"
    assert r.json()["description"] == "第一行\n第二行\t完"


async def test_stored_control_characters_do_not_break_the_exports(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    # Written before the text type refused them (or by any path that skips the API).
    await make_ticket(
        db,
        await make_category(db, world.community),
        world.resident,
        title="坏\u0001灯",
        description="x\u001cy",
    )
    await db.flush()
    xlsx = await client.get(f"{API}/exports/tickets.xlsx", headers=auth(world.staff))
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]][4:6] == ["坏灯", "xy"]
    csv = await client.get(f"{API}/exports/tickets.csv", headers=auth(world.staff))
    assert csv.status_code == 200
    assert "坏灯" in csv.content.decode("utf-8-sig")


def test_printable_keeps_tabs_newlines_and_chinese() -> None:
    assert printable("甲\t乙\n丙\u0000\u0008\ufffe") == "甲\t乙\n丙"
