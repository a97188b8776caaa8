"""Redemption histories (核销记录): one, a page, the export rows and the summary, each scoped to the caller."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.identity.principal import Principal
from app.merchants import errors
from app.merchants.redemptions import redemption_out
from app.merchants.schemas import RedemptionFilter, RedemptionOut, RedemptionSummary, SummaryRow
from app.models.identity import User
from app.models.merchants import Merchant, Offer, Redemption

# A SELECT under construction (SQLAlchemy's generic Select types its columns; these helpers take any).
Query = Any


def scoped(who: Principal, query: Query) -> Query:
    """Merchant staff see their merchants' redemptions, staff their communities', residents their own."""
    return query.where(
        or_(
            Redemption.merchant_id.in_(who.merchant_ids),
            Redemption.community_id.in_(who.staff_communities),
            Redemption.resident_id == who.id,
        )
    )


def filtered(query: Query, f: RedemptionFilter) -> Query:
    if f.merchant_id is not None:
        query = query.where(Redemption.merchant_id == f.merchant_id)
    if f.staff_id is not None:
        query = query.where(Redemption.staff_id == f.staff_id)
    if f.day is not None:
        query = query.where(
            Redemption.created_at >= clock.local_midnight(f.day),
            Redemption.created_at < clock.local_midnight(f.day + timedelta(days=1)),
        )
    if f.date_from is not None:
        query = query.where(Redemption.created_at >= clock.local_midnight(f.date_from))
    if f.date_to is not None:
        query = query.where(Redemption.created_at < clock.local_midnight(f.date_to + timedelta(days=1)))
    return query


def _rows_query() -> Query:
    return (
        select(Redemption, Merchant.name, Offer.name, User)
        .join(Merchant, Merchant.id == Redemption.merchant_id)
        .join(User, User.id == Redemption.resident_id)
        .outerjoin(Offer, Offer.id == Redemption.offer_id)
    )


async def get_redemption(db: AsyncSession, who: Principal, redemption_id: uuid.UUID) -> RedemptionOut:
    found = (await db.execute(scoped(who, _rows_query().where(Redemption.id == redemption_id)))).one_or_none()
    if found is None:
        raise errors.RedemptionNotFound()
    return redemption_out(*found)


async def list_redemptions(
    db: AsyncSession, who: Principal, params: PageParams, f: RedemptionFilter
) -> Page[Any]:
    query = filtered(scoped(who, _rows_query()), f)
    query = query.order_by(Redemption.created_at.desc(), Redemption.id.desc()).limit(params.limit + 1)
    position = params.after(datetime, uuid.UUID)
    if position:
        at, last = position
        query = query.where(tuple_(Redemption.created_at, Redemption.id) < tuple_(literal(at), literal(last)))
    rows = [redemption_out(*r) for r in (await db.execute(query)).all()]
    return page_of(rows, params, lambda r: [r.created_at.isoformat(), str(r.id)])


async def rows_for_export(
    db: AsyncSession, who: Principal, f: RedemptionFilter, limit: int = 50_000
) -> list[tuple[RedemptionOut, User]]:
    query = (
        filtered(scoped(who, _rows_query()), f).order_by(Redemption.created_at, Redemption.id).limit(limit)
    )
    return [(redemption_out(*r), r[3]) for r in (await db.execute(query)).all()]


async def summary(db: AsyncSession, who: Principal, f: RedemptionFilter) -> RedemptionSummary:
    """Counts and points per Shanghai day and per staff member (refunds count against their redemption)."""
    day = func.to_char(func.timezone("Asia/Shanghai", Redemption.created_at), "YYYY-MM-DD")
    measures = (
        func.count(Redemption.id),
        func.coalesce(func.sum(Redemption.points), 0),
        func.coalesce(func.sum(Redemption.refunded_points), 0),
    )

    def row(key: str, label: str | None, count: int, points: int, refunded: int) -> SummaryRow:
        return SummaryRow(
            key=key,
            label=label,
            count=int(count),
            points=int(points),
            refunded_points=int(refunded),
            net_points=int(points) - int(refunded),
        )

    base = filtered(scoped(who, select(*measures).select_from(Redemption)), f)
    total = (await db.execute(base)).one()
    by_day = (
        await db.execute(
            filtered(scoped(who, select(day.label("day"), *measures).select_from(Redemption)), f)
            .group_by(day)
            .order_by(day)
        )
    ).all()
    by_staff = (
        await db.execute(
            filtered(
                scoped(
                    who,
                    select(Redemption.staff_id, User.name, *measures)
                    .select_from(Redemption)
                    .join(User, and_(User.id == Redemption.staff_id)),
                ),
                f,
            )
            .group_by(Redemption.staff_id, User.name)
            .order_by(User.name)
        )
    ).all()
    return RedemptionSummary(
        count=int(total[0]),
        points=int(total[1]),
        refunded_points=int(total[2]),
        net_points=int(total[1]) - int(total[2]),
        by_day=[row(r[0], None, r[1], r[2], r[3]) for r in by_day],
        by_staff=[row(str(r[0]), r[1], r[2], r[3], r[4]) for r in by_staff],
    )
