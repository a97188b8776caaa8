"""The catalogue as a spreadsheet: export every item's current version, import a sheet back.

One row per item, Chinese headers; the materials cell holds one material per line as
`名称|原件或复印件|份数|必需或可选`; the fee is in yuan ("12.34"); channels are "窗口、代办、线上".
Import is validated row by row against the same schema as the API; any error and nothing is written
(the answer lists every error with its row and column). Bounded: at most LINLI_SERVICE_ITEMS_IMPORT_MAX_BYTES and _MAX_ROWS.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exports import Export
from app.identity.principal import Principal
from app.models.identity import OrgKind, OrgUnit
from app.models.service_items import CATEGORY_LABELS, Channel, ServiceItem, ServiceItemVersion
from app.service_items import catalogue
from app.service_items.config import rules
from app.service_items.errors import ImportInvalid, ImportTooLarge
from app.service_items.schemas import ImportOut, ItemIn, ItemPatch

HEADERS = [
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
FIELDS = [
    "code",
    "name",
    "category",
    "department",
    "conditions",
    "materials",
    "time_limit_days",
    "fee",
    "channels",
    "legal_basis",
]
CHANNEL_LABELS = {Channel.window: "窗口", Channel.agent: "代办", Channel.online: "线上"}
FORM_LABELS = {"original": "原件", "copy": "复印件"}
_CATEGORY_BY_LABEL = {v: k for k, v in CATEGORY_LABELS.items()}
_CHANNEL_BY_LABEL = {v: k for k, v in CHANNEL_LABELS.items()}
_FORM_BY_LABEL = {v: k for k, v in FORM_LABELS.items()}


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


async def export_rows(
    db: AsyncSession, who: Principal, community_id: uuid.UUID
) -> tuple[list[str], list[list[Any]]]:
    """The header and one row per item (current version), by code."""
    rows = (
        await db.execute(
            select(ServiceItem, ServiceItemVersion, OrgUnit.name)
            .join(
                ServiceItemVersion,
                and_(
                    ServiceItemVersion.item_id == ServiceItem.id,
                    ServiceItemVersion.version == ServiceItem.current_version,
                ),
            )
            .join(OrgUnit, OrgUnit.id == ServiceItemVersion.department_id)
            .where(ServiceItem.community_id == community_id)
            .order_by(ServiceItem.code)
        )
    ).all()
    out = []
    for item, version, department in rows:
        materials = "\n".join(
            f"{m['name']}|{FORM_LABELS[m['form']]}|{m['count']}|{'必需' if m['required'] else '可选'}"
            for m in version.materials
        )
        out.append(
            [
                item.code,
                version.name,
                CATEGORY_LABELS[version.category],
                department,
                version.conditions,
                materials,
                version.time_limit_days,
                _yuan(version.fee_fen),
                "、".join(CHANNEL_LABELS[Channel(c)] for c in version.channels),
                version.legal_basis,
            ]
        )
    return HEADERS, out


def sheet(filename: str, headers: list[str], rows: list[list[Any]], title: str = "事项清单") -> Export:
    """A one-sheet download, written (and formula-escaped) by app.core.exports."""
    return Export(filename=filename, title=title, header=headers, rows=rows)


def _read(content: bytes) -> list[tuple[int, list[Any]]]:
    """Rows of the first sheet after the header, numbered as the spreadsheet shows them."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportInvalid("不是有效的 XLSX 文件 / not an XLSX file") from exc
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=len(HEADERS)), start=1):
            if number == 1:
                continue
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            if len(rows) >= rules().import_max_rows:
                raise ImportTooLarge(f"at most {rules().import_max_rows} rows")
            rows.append((number, [None if v is None else str(v).strip() for v in values]))
        return rows
    finally:
        book.close()


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def _materials(cell: str | None) -> list[dict[str, Any]]:
    out = []
    for line in (cell or "").replace("；", "\n").replace(";", "\n").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        name = parts[0]
        form = _FORM_BY_LABEL.get(parts[1], parts[1]) if len(parts) > 1 and parts[1] else "original"
        try:
            count = int(parts[2]) if len(parts) > 2 and parts[2] else 1
        except ValueError as exc:
            raise _RowError("materials", f"份数不是整数：{line}") from exc
        required = not (len(parts) > 3 and parts[3] in ("可选", "否", "optional", "false"))
        out.append({"name": name, "form": form, "count": count, "required": required})
    return out


def _fen(cell: str | None) -> int:
    try:
        value = Decimal(cell or "0")
    except InvalidOperation as exc:
        raise _RowError("fee", "收费须为金额（元），如 12.50") from exc
    if value != value.quantize(Decimal("0.01")):
        raise _RowError("fee", "收费最多两位小数")
    return int(value * 100)


def _parse(row: list[Any], departments: dict[str, uuid.UUID], community_id: uuid.UUID) -> ItemIn:
    cells = dict(zip(FIELDS, row + [None] * (len(FIELDS) - len(row)), strict=True))
    department = departments.get(cells["department"] or "")
    if department is None:
        raise _RowError("department", f"本社区没有名为「{cells['department']}」的部门")
    category = cells["category"] or ""
    channels = [
        c for c in (cells["channels"] or "").replace("，", "、").replace(",", "、").split("、") if c.strip()
    ]
    try:
        limit = int(cells["time_limit_days"] or "")
    except ValueError as exc:
        raise _RowError("time_limit_days", "办理时限须为整数（工作日）") from exc
    return ItemIn.model_validate(
        {
            "community_id": community_id,
            "code": cells["code"] or "",
            "name": cells["name"] or "",
            "category": _CATEGORY_BY_LABEL.get(category, category),
            "department_id": department,
            "conditions": cells["conditions"] or "",
            "materials": _materials(cells["materials"]),
            "time_limit_days": limit,
            "fee_fen": _fen(cells["fee"]),
            "channels": [_CHANNEL_BY_LABEL.get(c.strip(), c.strip()) for c in channels],
            "legal_basis": cells["legal_basis"] or "",
        }
    )


async def import_items(
    db: AsyncSession, who: Principal, community_id: uuid.UUID | None, content: bytes
) -> ImportOut:
    """Create new codes and edit existing ones (a new version when something changed); all or nothing."""
    if len(content) > rules().import_max_bytes:
        raise ImportTooLarge(f"at most {rules().import_max_bytes} bytes")
    community = catalogue.write_community(who, community_id)
    rows = await asyncio.to_thread(_read, content)
    departments = {
        name: unit_id
        for unit_id, name in (
            await db.execute(
                select(OrgUnit.id, OrgUnit.name).where(
                    OrgUnit.community_id == community, OrgUnit.kind == OrgKind.department
                )
            )
        ).all()
    }
    parsed: list[ItemIn] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        try:
            item = _parse(row, departments, community)
        except _RowError as exc:
            errors.append({"row": number, "field": exc.field, "message": exc.message})
            continue
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "row"
                errors.append({"row": number, "field": field, "message": err["msg"]})
            continue
        if item.code in seen:
            errors.append({"row": number, "field": "code", "message": f"编码与第 {seen[item.code]} 行重复"})
            continue
        seen[item.code] = number
        parsed.append(item)
    if errors:
        raise ImportInvalid(errors=errors[:200])
    existing = dict(
        (
            await db.execute(
                select(ServiceItem.code, ServiceItem.id).where(
                    ServiceItem.community_id == community, ServiceItem.code.in_(list(seen))
                )
            )
        ).all()
    )
    created = updated = unchanged = 0
    for item in parsed:
        if item.code not in existing:
            await catalogue.create_item(db, who, item)
            created += 1
            continue
        before = await catalogue.get_item(db, who, existing[item.code])
        patch = ItemPatch.model_validate(item.model_dump(exclude={"community_id", "code"}))
        after = await catalogue.update_item(db, who, existing[item.code], patch)
        if after.version != before.version:
            updated += 1
        else:
            unchanged += 1
    return ImportOut(created=created, updated=updated, unchanged=unchanged)
