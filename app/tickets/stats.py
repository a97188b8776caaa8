"""Ticket statistics and exports for staff: rates per community, category, department or period.

Definitions (tickets created in [from, to), merged duplicates left out of the rates):
- response rate: responded (accepted or rejected) by `accept_by`, over tickets responded to or whose
  acceptance window has closed;
- on-time rate: resolved by `due_at`, over tickets resolved, plus open ones already past `due_at`;
- satisfaction rate: (satisfied + basically satisfied) / rated;
- time to resolve: from submission to the (latest) reply, in hours: mean and 90th percentile.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Select, and_, extract, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core import clock
from app.core.errors import Forbidden, _
from app.core.exports import Export
from app.identity.principal import Principal
from app.models.identity import OrgUnit
from app.models.tickets import OPEN_STATUSES, Ticket, TicketCategory, TicketRating, TicketStatus
from app.platform import audit
from app.tickets.config import rules

GroupBy = Literal["community", "category", "department", "grid", "period"]
Period = Literal["day", "week", "month"]

STATUS_LABELS = {
    TicketStatus.submitted: "待受理",
    TicketStatus.accepted: "已受理",
    TicketStatus.dispatched: "已派单",
    TicketStatus.in_progress: "处理中",
    TicketStatus.pending_info: "待补充",
    TicketStatus.resolved: "已答复",
    TicketStatus.closed: "已办结",
    TicketStatus.rejected: "不予受理",
    TicketStatus.merged: "已合并",
}
RATING_LABELS = {
    TicketRating.satisfied: "满意",
    TicketRating.basically_satisfied: "基本满意",
    TicketRating.unsatisfied: "不满意",
}
CHANNEL_LABELS = {"app": "小程序", "hotline": "热线电话", "walk_in": "窗口来访", "open311": "12345平台"}


class StatsRow(BaseModel):
    key: str | None
    label: str
    total: int
    by_status: dict[str, int]
    responded_in_time: int
    response_due: int
    response_rate: float | None
    resolved_on_time: int
    resolution_due: int
    on_time_rate: float | None
    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    satisfaction_rate: float | None
    mean_hours_to_resolve: float | None
    p90_hours_to_resolve: float | None


class StatsOut(BaseModel):
    from_: datetime | None = None
    to: datetime | None = None
    group_by: str | None
    overall: StatsRow
    groups: list[StatsRow]


def scope_communities(who: Principal, community_id: uuid.UUID | None) -> frozenset[uuid.UUID]:
    if community_id is not None:
        if not who.is_staff_of(community_id):
            raise Forbidden(_("您不是该社区的工作人员", "You are not staff of this community"))
        return frozenset({community_id})
    return who.staff_communities


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


async def ticket_stats(
    db: AsyncSession,
    who: Principal,
    *,
    start: datetime | None,
    end: datetime | None,
    community_id: uuid.UUID | None,
    group_by: GroupBy | None,
    period: Period = "month",
) -> StatsOut:
    now = clock.now()
    communities = scope_communities(who, community_id)
    conds: list[Any] = [Ticket.community_id.in_(communities)]
    if start is not None:
        conds.append(Ticket.created_at >= start)
    if end is not None:
        conds.append(Ticket.created_at < end)
    counted = Ticket.status != TicketStatus.merged
    response_due = and_(counted, or_(Ticket.responded_at.is_not(None), Ticket.accept_by < now))
    responded_in_time = and_(counted, Ticket.responded_at <= Ticket.accept_by)
    resolution_due = and_(
        counted,
        or_(Ticket.resolved_at.is_not(None), and_(Ticket.status.in_(OPEN_STATUSES), Ticket.due_at < now)),
    )
    on_time = and_(counted, Ticket.resolved_at.is_not(None), Ticket.resolved_at <= Ticket.due_at)
    hours = extract("epoch", Ticket.resolved_at - Ticket.created_at) / 3600.0
    metrics = [
        func.count().label("total"),
        func.count().filter(responded_in_time).label("responded_in_time"),
        func.count().filter(response_due).label("response_due"),
        func.count().filter(on_time).label("resolved_on_time"),
        func.count().filter(resolution_due).label("resolution_due"),
        func.count().filter(Ticket.rating.is_not(None)).label("rated"),
        func.count().filter(Ticket.rating == TicketRating.satisfied).label("satisfied"),
        func.count().filter(Ticket.rating == TicketRating.basically_satisfied).label("basically_satisfied"),
        func.count().filter(Ticket.rating == TicketRating.unsatisfied).label("unsatisfied"),
        func.avg(hours).filter(Ticket.resolved_at.is_not(None)).label("mean_hours"),
        func.percentile_cont(0.9)
        .within_group(hours)
        .filter(Ticket.resolved_at.is_not(None))
        .label("p90_hours"),
    ]

    key_col: Any
    label_col: Any
    query: Select[Any]
    if group_by == "community":
        unit = aliased(OrgUnit)
        key_col, label_col = Ticket.community_id, unit.name
        query = select(key_col, label_col, *metrics).join(unit, unit.id == Ticket.community_id)
    elif group_by == "category":
        key_col, label_col = Ticket.category_id, TicketCategory.name
        query = select(key_col, label_col, *metrics).join(
            TicketCategory, TicketCategory.id == Ticket.category_id
        )
    elif group_by == "department":
        unit = aliased(OrgUnit)
        key_col, label_col = Ticket.department_id, func.coalesce(unit.name, "未派单")
        query = select(key_col, label_col, *metrics).outerjoin(unit, unit.id == Ticket.department_id)
    elif group_by == "grid":
        unit = aliased(OrgUnit)
        key_col, label_col = Ticket.grid_id, func.coalesce(unit.name, "未关联楼栋")
        query = select(key_col, label_col, *metrics).outerjoin(unit, unit.id == Ticket.grid_id)
    elif group_by == "period":
        bucket = func.date_trunc(period, func.timezone(clock.SHANGHAI.key, Ticket.created_at))
        key_col = label_col = func.to_char(bucket, "YYYY-MM-DD")
        query = select(key_col, label_col, *metrics)
    else:
        key_col = label_col = literal("all")
        query = select(key_col, label_col, *metrics)
    query = query.where(*conds)
    if group_by is not None:
        query = query.group_by(key_col, label_col).order_by(label_col)
    status_query = select(Ticket.status, func.count()).where(*conds).group_by(Ticket.status)
    by_status_all = {s.value: 0 for s in TicketStatus}
    for status, n in (await db.execute(status_query)).all():
        by_status_all[status.value] = n

    group_status: dict[str | None, dict[str, int]] = {}

    def row(r: Any, key: str | None, label: str, by_status: dict[str, int]) -> StatsRow:
        mean = float(r.mean_hours) if r.mean_hours is not None else None
        p90 = float(r.p90_hours) if r.p90_hours is not None else None
        return StatsRow(
            key=key,
            label=label,
            total=r.total,
            by_status=by_status,
            responded_in_time=r.responded_in_time,
            response_due=r.response_due,
            response_rate=_rate(r.responded_in_time, r.response_due),
            resolved_on_time=r.resolved_on_time,
            resolution_due=r.resolution_due,
            on_time_rate=_rate(r.resolved_on_time, r.resolution_due),
            rated=r.rated,
            satisfied=r.satisfied,
            basically_satisfied=r.basically_satisfied,
            unsatisfied=r.unsatisfied,
            satisfaction_rate=_rate(r.satisfied + r.basically_satisfied, r.rated),
            mean_hours_to_resolve=round(mean, 2) if mean is not None else None,
            p90_hours_to_resolve=round(p90, 2) if p90 is not None else None,
        )

    overall_q = select(*metrics).where(*conds)
    overall = row((await db.execute(overall_q)).one(), None, "合计", by_status_all)
    groups: list[StatsRow] = []
    if group_by is not None:
        status_rows = await db.execute(_grouped_status_query(group_by, period, conds))
        for key, status, n in status_rows.all():
            group_status.setdefault(
                str(key) if key is not None else None, {s.value: 0 for s in TicketStatus}
            )[status.value] = n
        for r in (await db.execute(query)).all():
            key = str(r[0]) if r[0] is not None else None
            groups.append(row(r, key, str(r[1]), group_status.get(key, {})))
    return StatsOut(from_=start, to=end, group_by=group_by, overall=overall, groups=groups)


def _grouped_status_query(group_by: GroupBy, period: Period, conds: list[Any]) -> Select[Any]:
    key: Any
    if group_by == "community":
        key = Ticket.community_id
    elif group_by == "category":
        key = Ticket.category_id
    elif group_by == "department":
        key = Ticket.department_id
    elif group_by == "grid":
        key = Ticket.grid_id
    else:
        key = func.to_char(
            func.date_trunc(period, func.timezone(clock.SHANGHAI.key, Ticket.created_at)), "YYYY-MM-DD"
        )
    return select(key, Ticket.status, func.count()).where(*conds).group_by(key, Ticket.status)


# ---------------------------------------------------------------- exports

_EXPORT_BATCH = 1000

EXPORT_HEADERS = [
    "工单编号",
    "社区",
    "分类",
    "状态",
    "标题",
    "问题描述",
    "渠道",
    "处理部门",
    "提交时间",
    "受理时限",
    "办理时限",
    "是否超时",
    "答复时间",
    "评价",
    "评价意见",
    "办结时间",
]


def _fmt(value: datetime | None) -> str:
    return clock.local_text(value)


async def export_rows(
    db: AsyncSession,
    who: Principal,
    *,
    start: datetime | None,
    end: datetime | None,
    community_id: uuid.UUID | None,
    status: list[TicketStatus] | None,
    category_id: uuid.UUID | None,
) -> AsyncIterator[list[str]]:
    """The export's rows, streamed from the database a batch at a time (constant memory at any count).

    Exports carry residents' words and places: who took one, and how many rows, is written to the audit
    log once the last row is read (issue #18), in the same transaction.
    """
    now = clock.now()
    communities = scope_communities(who, community_id)
    community = aliased(OrgUnit)
    department = aliased(OrgUnit)
    query = (
        select(
            Ticket.number,
            community.name,
            TicketCategory.name,
            Ticket.status,
            Ticket.title,
            Ticket.description,
            Ticket.channel,
            department.name,
            Ticket.created_at,
            Ticket.accept_by,
            Ticket.due_at,
            Ticket.queue_at,
            Ticket.resolved_at,
            Ticket.rating,
            Ticket.rating_comment,
            Ticket.closed_at,
        )
        .join(community, community.id == Ticket.community_id)
        .join(TicketCategory, TicketCategory.id == Ticket.category_id)
        .outerjoin(department, department.id == Ticket.department_id)
        .where(Ticket.community_id.in_(communities))
        .order_by(Ticket.created_at, Ticket.id)
        .limit(rules().export_max_rows)
        .execution_options(yield_per=_EXPORT_BATCH)
    )
    if start is not None:
        query = query.where(Ticket.created_at >= start)
    if end is not None:
        query = query.where(Ticket.created_at < end)
    if status:
        query = query.where(Ticket.status.in_(status))
    if category_id is not None:
        query = query.where(Ticket.category_id == category_id)
    count = 0
    async for row in await db.stream(query):
        count += 1
        yield [
            row[0],
            row[1],
            row[2],
            STATUS_LABELS[row[3]],
            row[4],
            row[5],
            CHANNEL_LABELS.get(row[6].value, row[6].value),
            row[7] or "",
            _fmt(row[8]),
            _fmt(row[9]),
            _fmt(row[10]),
            "是" if row[11] < now else "否",
            _fmt(row[12]),
            RATING_LABELS[row[13]] if row[13] else "",
            row[14] or "",
            _fmt(row[15]),
        ]
    await audit.record(
        db,
        actor_id=who.id,
        action="tickets.export",
        target_type="ticket",
        community_id=community_id,
        rows=count,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
    )


def export_of(rows: AsyncIterator[list[str]]) -> Export:
    """The ticket list as a download (written by app.core.exports)."""
    return Export(filename="tickets", title="工单", header=EXPORT_HEADERS, rows=rows)
