"""The one export writer: formula injection is escaped, stored control characters never break a sheet."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import exports
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket

API = "/api/v1"
HOSTILE = '=HYPERLINK("http://x","y")'


def test_cells_that_could_run_as_formulas_are_escaped() -> None:
    for text in (HOSTILE, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert exports.cell(text).startswith("'"), text
    assert exports.cell("楼道灯坏了") == "楼道灯坏了"
    assert exports.cell(-5) == -5  # numbers stay numbers
    assert exports.cell(None) is None
    assert exports.cell("a\x01b\ufffe") == "ab"
    assert exports.cell(datetime(2026, 11, 28, 1, 30, tzinfo=UTC)) == "2026-11-28 09:30:00"
    some = uuid.uuid4()
    assert exports.cell(some) == str(some)


def test_filenames_survive_chinese() -> None:
    header = exports.content_disposition("工单-2026.csv")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E5%B7%A5%E5%8D%95-2026.csv" in header


async def test_ticket_export_escapes_a_hyperlink_title(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    category = await make_category(db, world.community)
    await make_ticket(db, category, world.resident, title=HOSTILE, description="@everyone\x07 -1")
    await db.flush()
    r = await client.get(f"{API}/exports/tickets.csv", headers=auth(world.staff))
    assert r.status_code == 200, r.text
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    title = rows[0].index("标题") if "标题" in rows[0] else 4
    assert rows[1][title] == "'" + HOSTILE
    assert "'@everyone -1" in rows[1]
    x = await client.get(f"{API}/exports/tickets.xlsx", headers=auth(world.staff))
    assert x.status_code == 200, x.text
    assert x.headers["content-type"] == exports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    values = [c.value for c in sheet[2]]
    assert "'" + HOSTILE in values
    assert not any(
        isinstance(v, str) and v.startswith("=") for row in sheet.iter_rows(values_only=True) for v in row
    )
