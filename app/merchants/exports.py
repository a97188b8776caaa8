"""CSV and XLSX downloads of redemptions and settlement statements (for staff and the merchant's books)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit, clock
from app.core.text import printable
from app.identity.deps import Principal
from app.merchants import redemptions, settlements
from app.merchants.schemas import RedemptionFilter

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    if value is None:
        return ""
    # printable: stored text may hold control characters that openpyxl refuses in a cell.
    return value if isinstance(value, int | float) else printable(str(value))


def to_csv(
    header: Sequence[str], rows: Sequence[Sequence[Any]], preamble: Sequence[Sequence[Any]] = ()
) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for line in preamble:
        writer.writerow([_cell(v) for v in line])
    if preamble:
        writer.writerow([])
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    # The BOM makes Excel on Windows read the Chinese headers as UTF-8.
    return "\ufeff".encode() + buf.getvalue().encode()


def _xlsx(
    title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], preamble: Sequence[Sequence[Any]]
) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for line in preamble:
        sheet.append([_cell(v) for v in line])
    if preamble:
        sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def to_xlsx(
    title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], preamble: Sequence[Sequence[Any]] = ()
) -> bytes:
    """Built in a thread: openpyxl is CPU work that would stall the event loop on a big export."""
    return await asyncio.to_thread(_xlsx, title, header, rows, preamble)


REDEMPTION_HEADER = (
    "时间",
    "核销编号",
    "商户",
    "商品",
    "积分",
    "已退积分",
    "状态",
    "店员编号",
    "居民",
    "居民电话",
    "结算单",
)

LINE_HEADER = (
    "时间",
    "类型",
    "记录编号",
    "核销编号",
    "积分",
    "商品",
    "经办人编号",
    "居民",
    "居民电话",
    "退还原因",
)


class Download:
    def __init__(self, body: bytes, media_type: str, filename: str) -> None:
        self.body = body
        self.media_type = media_type
        self.filename = filename


async def _pack(
    fmt: str, name: str, header: Sequence[str], rows: list[list[Any]], preamble: Sequence[Sequence[Any]] = ()
) -> Download:
    if fmt == "xlsx":
        return Download(await to_xlsx(name, header, rows, preamble), XLSX_TYPE, f"{name}.xlsx")
    return Download(to_csv(header, rows, preamble), CSV_TYPE, f"{name}.csv")


async def redemptions_file(db: AsyncSession, who: Principal, f: RedemptionFilter, fmt: str) -> Download:
    """Every redemption in the staff member's communities matching the filters (at most 50,000 rows)."""
    staff_only = Principal(
        user=who.user,
        grants=[],
        staff_communities=who.staff_communities,
        admin_communities=who.admin_communities,
        admin_units=who.admin_units,
    )
    found = await redemptions.rows_for_export(db, staff_only, f)
    rows = [
        [
            r.created_at,
            r.id,
            r.merchant_name,
            r.offer_name,
            r.points,
            r.refunded_points,
            r.status.value,
            r.staff_id,
            r.resident.name,
            r.resident.phone,
            r.settlement_id,
        ]
        for r, _ in found
    ]
    await audit.record(
        db, actor_id=who.id, action="redemptions.export", target_type="redemption", rows=len(rows)
    )
    stamp = clock.local_now().strftime("%Y%m%d")
    return await _pack(fmt, f"redemptions-{stamp}", REDEMPTION_HEADER, rows)


async def settlement_file(db: AsyncSession, who: Principal, settlement_id: Any, fmt: str) -> Download:
    """The statement: a summary block, then one line per redemption (+) and refund (−)."""
    row = await settlements.visible(db, who, settlement_id)
    detail = await settlements.detail(db, row)
    preamble: list[list[Any]] = [
        ["结算单", detail.id],
        ["商户编号", detail.merchant_id],
        ["状态", detail.status.value],
        ["期间", detail.period_start, detail.period_end],
        ["核销笔数", detail.redemption_count, "核销积分", detail.redeemed_points],
        ["退还笔数", detail.refund_count, "退还积分", detail.refunded_points],
        ["净积分", detail.net_points, "每积分（分）", detail.fen_per_point],
        ["金额（元）", detail.amount_yuan],
        ["确认", detail.confirmed_by, detail.confirmed_at],
        ["付款", detail.paid_by, detail.paid_at, detail.payment_reference],
    ]
    rows = [
        [
            line.created_at,
            "核销" if line.kind == "redemption" else "退还",
            line.id,
            line.redemption_id,
            line.points,
            line.offer_name,
            line.staff_id,
            line.resident.name,
            line.resident.phone,
            line.reason,
        ]
        for line in detail.lines
    ]
    return await _pack(fmt, f"settlement-{str(detail.id)[:8]}", LINE_HEADER, rows, preamble)
