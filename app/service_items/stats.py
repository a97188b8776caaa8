"""Stats per item or department: volume, on-time rate, average working days, corrections, satisfaction.

Counted over applications taken in (not those still waiting for consent) created in [from, to).
Working days to decide run from the day after 受理 to the decision day, less the days paused for
corrections. On time: decided on or before the (correction-shifted) deadline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity.community import CommunityNotFound
from app.identity.principal import Principal
from app.models.identity import OrgUnit
from app.models.service_items import Rating, RequestStatus, ServiceItem, ServiceItemVersion, ServiceRequest
from app.service_items import deadlines
from app.service_items.config import rules
from app.service_items.errors import NotStaff
from app.service_items.schemas import StatsOut, StatsRow

DECIDED = (RequestStatus.approved, RequestStatus.rejected, RequestStatus.handed_over)
GOOD = (Rating.satisfied, Rating.basically_satisfied)


@dataclass
class _Acc:
    name: str
    volume: int = 0
    decided: int = 0
    on_time: int = 0
    days: list[int] = field(default_factory=list)
    corrections: int = 0
    rated: int = 0
    satisfied: int = 0


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def compute(
    db: AsyncSession,
    who: Principal,
    *,
    community_id: uuid.UUID | None,
    group_by: Literal["item", "department"],
    start: date | None,
    end: date | None,
) -> StatsOut:
    scope = set(who.staff_communities)
    if community_id is not None:
        if community_id not in scope:
            raise CommunityNotFound()
        scope = {community_id}
    if not scope:
        raise NotStaff()
    end = end or deadlines.today() + timedelta(days=1)
    start = start or end - timedelta(days=90)
    start = max(start, end - timedelta(days=rules().stats_max_days))
    since, until = clock.local_midnight(start), clock.local_midnight(end)
    key_col = ServiceRequest.item_id if group_by == "item" else ServiceRequest.department_id
    name_col = ServiceItemVersion.name if group_by == "item" else OrgUnit.name
    query = select(ServiceRequest, key_col, name_col).where(
        ServiceRequest.community_id.in_(scope),
        ServiceRequest.created_at >= since,
        ServiceRequest.created_at < until,
        ServiceRequest.status != RequestStatus.awaiting_consent,
    )
    if group_by == "item":
        query = query.join(ServiceItem, ServiceItem.id == ServiceRequest.item_id).join(
            ServiceItemVersion,
            and_(
                ServiceItemVersion.item_id == ServiceItem.id,
                ServiceItemVersion.version == ServiceItem.current_version,
            ),
        )
    else:
        query = query.join(OrgUnit, OrgUnit.id == ServiceRequest.department_id)
    groups: dict[uuid.UUID, _Acc] = {}
    for request, key, name in (await db.execute(query)).all():
        acc = groups.setdefault(key, _Acc(name=name))
        acc.volume += 1
        acc.corrections += request.corrections
        if request.status in DECIDED and request.decided_on and request.started_on:
            acc.decided += 1
            if request.due_on is not None and request.decided_on <= request.due_on:
                acc.on_time += 1
            worked = deadlines.workdays_after(request.started_on, request.decided_on) - request.paused_days
            acc.days.append(max(worked, 0))
        if request.rating is not None:
            acc.rated += 1
            acc.satisfied += request.rating in GOOD
    rows = [
        StatsRow(
            key=key,
            name=acc.name,
            volume=acc.volume,
            decided=acc.decided,
            on_time=acc.on_time,
            on_time_rate=_rate(acc.on_time, acc.decided),
            average_working_days=round(sum(acc.days) / len(acc.days), 2) if acc.days else None,
            corrections=acc.corrections,
            rated=acc.rated,
            satisfied=acc.satisfied,
            satisfaction_rate=_rate(acc.satisfied, acc.rated),
        )
        for key, acc in sorted(groups.items(), key=lambda kv: (-kv[1].volume, kv[1].name))
    ]
    return StatsOut(group_by=group_by, rows=rows)


HEADERS = [
    "名称",
    "办件量",
    "已办结",
    "按时办结",
    "按时率",
    "平均用时（工作日）",
    "补正次数",
    "评价数",
    "满意数",
    "满意率",
]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def table(result: StatsOut) -> tuple[list[str], list[list[object]]]:
    """The stats as a header and rows for an export."""
    rows: list[list[object]] = [
        [
            r.name,
            r.volume,
            r.decided,
            r.on_time,
            _pct(r.on_time_rate),
            "" if r.average_working_days is None else r.average_working_days,
            r.corrections,
            r.rated,
            r.satisfied,
            _pct(r.satisfaction_rate),
        ]
        for r in result.rows
    ]
    return ["事项" if result.group_by == "item" else "部门", *HEADERS[1:]], rows
