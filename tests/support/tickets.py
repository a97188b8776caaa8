"""Builders for tickets: `await make_category(db, community)`, `await make_ticket(db, category, reporter)`."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import OrgUnit, User
from app.models.tickets import Ticket, TicketCategory, TicketChannel
from app.tickets import intake
from tests.support.factories import auth

_seq = itertools.count(1)


async def make_category(
    db: AsyncSession,
    community: OrgUnit,
    *,
    name: str | None = None,
    accept_within_hours: int = 2,
    resolve_within_hours: int = 24,
    working_time: bool = False,
    default_department: OrgUnit | None = None,
) -> TicketCategory:
    category = TicketCategory(
        community_id=community.id,
        name=name or f"分类{next(_seq)}",
        accept_within_hours=accept_within_hours,
        resolve_within_hours=resolve_within_hours,
        working_time=working_time,
        default_department_id=default_department.id if default_department else None,
    )
    db.add(category)
    await db.flush()
    return category


async def make_ticket(
    db: AsyncSession,
    category: TicketCategory,
    reporter: User | None,
    *,
    description: str = "楼道灯坏了，晚上很黑",
    title: str | None = None,
    channel: TicketChannel = TicketChannel.app,
    **extra: Any,
) -> Ticket:
    return await intake.file_ticket(
        db,
        category=category,
        description=description,
        title=title,
        channel=channel,
        reporter_id=reporter.id if reporter else None,
        created_by=reporter.id if reporter else None,
        **extra,
    )


async def move(client: httpx.AsyncClient, ticket_id: object, action: str, user: User, **body: Any) -> Any:
    """POST /tickets/{id}/{action} as `user`, asserting success; returns the JSON body."""
    r = await client.post(f"/api/v1/tickets/{ticket_id}/{action}", json=body or None, headers=auth(user))
    assert r.status_code in (200, 201), r.text
    return r.json()
