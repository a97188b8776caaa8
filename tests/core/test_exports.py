"""The one export writer: formula injection is escaped, stored control characters never break a sheet."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.responses import Response, StreamingResponse
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


def _spooled_files() -> list[str]:
    """Ours (linli-export-*) and openpyxl's write-only sheets (openpyxl.*) in the temporary directory."""
    import tempfile
    from pathlib import Path

    root = Path(tempfile.gettempdir())
    return sorted(str(p) for pattern in ("linli-export-*", "openpyxl.*") for p in root.glob(pattern))


async def _rows(n: int, fail_at: int | None = None) -> AsyncIterator[list[object]]:
    for i in range(n):
        if i == fail_at:
            raise RuntimeError("the database went away mid-export")
        yield [i, f"=行{i}", None]


async def _body(response: Response) -> bytes:
    assert isinstance(response, StreamingResponse)
    return b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[misc]


async def test_rows_from_an_async_iterator_are_spooled_sent_and_leave_no_file() -> None:
    before = _spooled_files()
    export = exports.Export(filename="大", title="大表", header=["序号", "内容", "空"], rows=_rows(1234))
    csv_response = await exports.response(export, "csv")
    assert _spooled_files() == before  # unlinked while open: nothing on disk even before sending
    body = await _body(csv_response)
    assert int(csv_response.headers["content-length"]) == len(body)
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == ["序号", "内容", "空"]
    assert len(lines) == 1235
    assert lines[-1] == ["1233", "'=行1233", ""]

    export.rows = _rows(1234)
    xlsx = await _body(await exports.response(export, "xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx), read_only=True).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(values) == 1235
    assert values[-1][:2] == [1233, "'=行1233"]
    assert _spooled_files() == before


async def test_an_export_failing_midway_raises_and_leaves_no_file() -> None:
    before = _spooled_files()
    for fmt in ("csv", "xlsx"):
        export = exports.Export(filename="t", title="t", header=["a"], rows=_rows(2000, fail_at=1500))
        with pytest.raises(RuntimeError):
            await exports.response(export, fmt)
    assert _spooled_files() == before
