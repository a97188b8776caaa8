"""Import buildings from a CSV or XLSX sheet: validated row by row, all or nothing, idempotent.

Columns (first row, Chinese or English headers, any order): 小区/compound, 楼栋/building, 网格/grid,
单元数/units (optional), 楼层数/floors (optional). A building is keyed by (compound, building) in the
community: a new key is created, an existing one gets its grid, units and floors from the row (a
re-import of the same file changes nothing). The grid must already exist in the community (by name),
so a typo never creates a grid. Any bad row and nothing is written: the answer lists every bad row with
its line number (as the spreadsheet shows it) and the reason.

Bounded memory: the upload is read up to LINLI_GRID_IMPORT_MAX_BYTES, an XLSX whose unpacked parts
would exceed 20 times that is refused before parsing (zip bombs), rows beyond LINLI_GRID_IMPORT_MAX_ROWS
are refused, and CSV fields are capped. Whatever the file holds, the answer is 201 or 422, never 500.
"""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.grid import errors
from app.grid.config import rules
from app.grid.schemas import ImportOut, ImportRow
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.grid import Building
from app.models.identity import OrgKind, OrgUnit
from app.platform import audit

HEADERS = {
    "小区": "compound",
    "小区名称": "compound",
    "compound": "compound",
    "楼栋": "name",
    "楼栋名称": "name",
    "building": "name",
    "name": "name",
    "网格": "grid",
    "所属网格": "grid",
    "grid": "grid",
    "单元数": "units",
    "units": "units",
    "楼层数": "floors",
    "层数": "floors",
    "floors": "floors",
}
LABELS = {"compound": "小区", "name": "楼栋", "grid": "网格", "units": "单元数", "floors": "楼层数"}
REQUIRED = ("compound", "name", "grid")
MAX_CELL = 200
Row = tuple[int, list[str | None]]


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[: MAX_CELL + 1] or None


def _too_many() -> errors.ImportTooLarge:
    return errors.ImportTooLarge(f"at most {rules().import_max_rows} rows")


def _read_xlsx(content: bytes) -> list[Row]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise errors.ImportInvalid("不是有效的 XLSX 文件 / not an XLSX file") from exc
    if unpacked > 20 * rules().import_max_bytes:
        raise errors.ImportTooLarge("解压后过大 / too large when unpacked")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise errors.ImportInvalid("不是有效的 XLSX 文件 / not an XLSX file") from exc
    try:
        if not book.worksheets:
            return []
        rows: list[Row] = []
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True, max_col=10), start=1):
            if len(rows) > rules().import_max_rows:
                raise _too_many()
            rows.append((number, [_cell(v) for v in values]))
        return rows
    except errors.ImportTooLarge:
        raise
    except Exception as exc:
        raise errors.ImportInvalid("XLSX 文件无法读取 / unreadable XLSX") from exc
    finally:
        book.close()


def _read_csv(content: bytes) -> list[Row]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise errors.ImportInvalid("无法识别文件编码 / unknown encoding")
    if "\x00" in text:
        raise errors.ImportInvalid("文件含有 NUL 字符，不是表格 / the file holds NUL characters")
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for values in reader:
            if len(rows) > rules().import_max_rows:
                raise _too_many()
            rows.append((reader.line_num, [_cell(v) for v in values[:10]]))
    except csv.Error as exc:
        raise errors.ImportInvalid(f"CSV 格式有误 / malformed CSV: {exc}") from exc
    return rows


def read_rows(content: bytes, filename: str | None) -> list[Row]:
    """Rows of the first sheet, numbered as the spreadsheet shows them (header included)."""
    is_xlsx = content[:4] == b"PK\x03\x04" or (filename or "").lower().endswith(".xlsx")
    return _read_xlsx(content) if is_xlsx else _read_csv(content)


def _columns(header: list[str | None]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        field = HEADERS.get((title or "").strip().lower())
        if field is not None and field not in columns:
            columns[field] = index
    missing = [LABELS[f] for f in REQUIRED if f not in columns]
    if missing:
        raise errors.ImportInvalid(
            "缺少列：" + "、".join(missing) + " / missing columns",
            bad_rows=[{"line": 1, "field": "header", "reason": "缺少列：" + "、".join(missing)}],
        )
    return columns


async def import_buildings(
    db: AsyncSession, who: Principal, community_id: Any, content: bytes, filename: str | None
) -> ImportOut:
    """Create and update buildings from a sheet; any bad row and nothing changes (422 with every row)."""
    community = acting_community(who, community_id)
    if len(content) > rules().import_max_bytes:
        raise errors.ImportTooLarge(f"at most {rules().import_max_bytes} bytes")
    rows = await asyncio.to_thread(read_rows, content, filename)
    rows = [(n, r) for n, r in rows if any(v is not None for v in r)]
    if not rows:
        raise errors.ImportInvalid("文件是空的 / the file is empty")
    columns = _columns(rows[0][1])
    grids = {
        name: grid_id
        for grid_id, name in (
            await db.execute(
                select(OrgUnit.id, OrgUnit.name).where(
                    OrgUnit.community_id == community, OrgUnit.kind == OrgKind.grid
                )
            )
        ).all()
    }
    bad: list[dict[str, Any]] = []
    good: dict[tuple[str, str], tuple[int, ImportRow]] = {}
    for number, values in rows[1:]:
        raw = {f: values[i] if i < len(values) else None for f, i in columns.items()}
        try:
            row = ImportRow.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "row"
                bad.append({"line": number, "field": LABELS.get(field, field), "reason": err["msg"]})
            continue
        if row.grid not in grids:
            bad.append({"line": number, "field": "网格", "reason": f"本社区没有名为“{row.grid}”的网格"})
            continue
        key = (row.compound, row.name)
        if key in good:
            first = good[key][0]
            bad.append(
                {"line": number, "field": "楼栋", "reason": f"与第 {first} 行重复：{row.compound} {row.name}"}
            )
            continue
        good[key] = (number, row)
    if bad:
        raise errors.ImportInvalid(f"{len(bad)} 处错误 / {len(bad)} errors", bad_rows=bad[:500])

    # One import per community at a time: a second, concurrent one waits here and then sees the first's
    # buildings as existing (so two uploads of the same file both succeed, the second changing nothing).
    await db.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended("grid-import:" + str(community), 0)))
    )
    existing = {
        (b.compound, b.name): b
        for b in (
            await db.execute(select(Building).where(Building.community_id == community).with_for_update())
        ).scalars()
    }
    created = updated = unchanged = 0
    for key, (_, row) in good.items():
        grid_id = grids[row.grid]
        building = existing.get(key)
        if building is None:
            db.add(
                Building(
                    community_id=community,
                    grid_id=grid_id,
                    compound=row.compound,
                    name=row.name,
                    units=row.units,
                    floors=row.floors,
                )
            )
            created += 1
        elif (building.grid_id, building.units, building.floors) != (grid_id, row.units, row.floors):
            building.grid_id, building.units, building.floors = grid_id, row.units, row.floors
            updated += 1
        else:
            unchanged += 1
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError as exc:  # a concurrent import created one of these buildings first
        raise errors.BuildingExists() from exc
    await audit.record(
        db,
        actor_id=who.id,
        action="building.import",
        target_type="community",
        target_id=community,
        community_id=community,
        created=created,
        updated=updated,
        unchanged=unchanged,
    )
    await db.flush()
    return ImportOut(rows=len(good), created=created, updated=updated, unchanged=unchanged)
