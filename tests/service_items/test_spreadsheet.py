"""The catalogue as XLSX: export, import back (validated row by row, all or nothing), bounded size."""

from __future__ import annotations

import io
from typing import Any

import httpx
from openpyxl import Workbook, load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.factories import World, auth
from tests.support.service_items import API, make_item

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "编码",
            "名称",
            "类别",
            "办理部门",
            "申请条件",
            "材料清单",
            "办理时限（工作日）",
            "收费（元）",
            "办理渠道",
            "设定依据",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _upload(client: httpx.AsyncClient, world: World, content: bytes) -> httpx.Response:
    return await client.post(
        f"{API}/service-items/import",
        files={"file": ("items.xlsx", content, XLSX)},
        headers=auth(world.staff),
    )


async def test_an_exported_catalogue_imports_back_unchanged_and_edits_make_versions(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await make_item(db, world.community, world.department, name="高龄津贴")
    r = await client.get(f"{API}/service-items/export.xlsx", headers=auth(world.staff))
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("编码", "名称")
    assert rows[1][1:4] == ("高龄津贴", "民政", world.department.name)
    assert rows[1][5].splitlines()[0] == "居民身份证|原件|1|必需"

    again = await _upload(client, world, r.content)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1}

    edited = [
        list(rows[1]),
        [
            "NEW-1",
            "失业登记",
            "就业",
            world.department.name,
            "",
            "身份证|原件|1|必需",
            5,
            "0",
            "窗口、线上",
            "",
        ],
    ]
    edited[0][7] = "12.50"
    r = await _upload(client, world, _sheet(edited))
    assert r.json() == {"created": 1, "updated": 1, "unchanged": 0}
    page = (await client.get(f"{API}/service-items", headers=auth(world.staff))).json()["items"]
    fees = {i["name"]: (i["version"], i["fee_fen"]) for i in page}
    assert fees == {"高龄津贴": (2, 1250), "失业登记": (1, 0)}


async def test_a_sheet_with_errors_imports_nothing_and_lists_every_bad_row(
    client: httpx.AsyncClient, world: World
) -> None:
    dept = world.department.name
    r = await _upload(
        client,
        world,
        _sheet(
            [
                ["OK-1", "好的一行", "民政", dept, "", "", 5, "0", "窗口", ""],
                ["BAD-1", "部门不对", "民政", "不存在的部门", "", "", 5, "0", "窗口", ""],
                ["BAD-2", "类别不对", "外星", dept, "", "", 5, "0", "窗口", ""],
                ["BAD-3", "收费不对", "民政", dept, "", "", 5, "1.234", "窗口", ""],
                ["OK-1", "重复编码", "民政", dept, "", "", 5, "0", "窗口", ""],
            ]
        ),
    )
    assert (r.status_code, r.json()["code"]) == (422, "import_invalid")
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [
        (3, "department"),
        (4, "category"),
        (5, "fee"),
        (6, "code"),
    ]
    assert (await client.get(f"{API}/service-items", headers=auth(world.staff))).json()["items"] == []


async def test_import_refuses_oversized_and_non_xlsx_files_and_residents(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await _upload(client, world, b"PK" + b"\0" * 1_000_001)
    assert (r.status_code, r.json()["code"]) == (422, "import_too_large")
    r = await _upload(client, world, b"not a spreadsheet")
    assert (r.status_code, r.json()["code"]) == (422, "import_invalid")
    r = await client.post(
        f"{API}/service-items/import",
        files={"file": ("x.xlsx", _sheet([]), XLSX)},
        headers=auth(world.resident),
    )
    assert r.status_code == 403
