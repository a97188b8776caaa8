"""CSV and XLSX downloads of redemptions and settlement statements (for staff and the merchant's books).

The sheets are written by `app.core.exports`; this module only says what is in them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.exports import Export
from app.identity.principal import Principal
from app.merchants import redemption_history, settlements
from app.merchants.schemas import RedemptionFilter
from app.platform import audit

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


def _pack(
    name: str,
    title: str,
    header: Sequence[str],
    rows: list[list[Any]],
    preamble: Sequence[Sequence[Any]] = (),
) -> Export:
    return Export(filename=name, title=title, header=header, rows=rows, preamble=preamble)


async def redemptions_file(db: AsyncSession, who: Principal, f: RedemptionFilter) -> Export:
    """Every redemption in the staff member's communities matching the filters (at most 50,000 rows)."""
    staff_only = Principal(
        user=who.user,
        grants=[],
        staff_communities=who.staff_communities,
        admin_communities=who.admin_communities,
        admin_units=who.admin_units,
    )
    found = await redemption_history.rows_for_export(db, staff_only, f)
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
    return _pack(f"redemptions-{stamp}", f"redemptions-{stamp}", REDEMPTION_HEADER, rows)


async def settlement_file(db: AsyncSession, who: Principal, settlement_id: Any) -> Export:
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
    name = f"settlement-{str(detail.id)[:8]}"
    return _pack(name, name, LINE_HEADER, rows, preamble)
