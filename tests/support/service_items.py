"""Builders for service items: `await make_item(db, community, department)`, `await make_agent(db, world)`."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, time
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import OrgUnit, Role, User
from app.models.service_items import ItemCategory, ServiceItem, ServiceItemVersion
from tests.support.factories import World, auth, make_user

_seq = itertools.count(1)
API = "/api/v1"

MATERIALS = [
    {"name": "居民身份证", "form": "original", "count": 1, "required": True},
    {"name": "户口簿", "form": "copy", "count": 1, "required": True},
    {"name": "一寸照片", "form": "original", "count": 2, "required": False},
]


async def make_item(
    db: AsyncSession,
    community: OrgUnit,
    department: OrgUnit,
    *,
    name: str | None = None,
    time_limit_days: int = 5,
    materials: list[dict[str, Any]] | None = None,
    channels: tuple[str, ...] = ("agent", "online", "window"),
    category: ItemCategory = ItemCategory.civil_affairs,
) -> ServiceItem:
    n = next(_seq)
    item = ServiceItem(id=uuid.uuid4(), community_id=community.id, code=f"T{n:04d}", current_version=1)
    db.add(item)
    await db.flush()
    db.add(
        ServiceItemVersion(
            item_id=item.id,
            version=1,
            name=name or f"事项{n}",
            category=category,
            department_id=department.id,
            conditions="本社区户籍居民",
            materials=[{"id": f"m{i}", **m} for i, m in enumerate(materials or MATERIALS, 1)],
            time_limit_days=time_limit_days,
            fee_fen=0,
            channels=list(channels),
            legal_basis="",
        )
    )
    await db.flush()
    return item


async def make_agent(db: AsyncSession, world: World, name: str = "网格员小陈") -> User:
    return await make_user(db, name=name, community=world.community, roles=[(Role.agent, world.grid)])


def shanghai(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime.combine(datetime(year, month, day).date(), time(hour), tzinfo=clock.SHANGHAI).astimezone(
        UTC
    )


async def post(client: httpx.AsyncClient, path: str, user: User, body: Any = None, status: int = 200) -> Any:
    r = await client.post(f"{API}{path}", json=body, headers=auth(user))
    assert r.status_code == status, r.text
    return r.json()


async def apply(
    client: httpx.AsyncClient, user: User, item: ServiceItem, materials: list[str], **extra: Any
) -> Any:
    body = {"item_id": str(item.id), "materials": materials, **extra}
    return await post(client, "/service-requests", user, body, 201)


async def make_office_hours(
    db: AsyncSession,
    world: World,
    official: User | None = None,
    *,
    weekdays: tuple[int, ...] = (2,),
    **extra: Any,
) -> Any:
    from datetime import date

    from app.models.service_items import OfficeHours, OfficeTopic, Recurrence

    oh = OfficeHours(
        id=uuid.uuid4(),
        community_id=world.community.id,
        official_id=official.id if official else None,
        official_name=official.name if official else "李律师",
        official_title="执业律师",
        topic=OfficeTopic.legal_aid,
        title="法律援助咨询",
        location="党群服务中心二楼",
        recurrence=Recurrence.weekly,
        weekdays=list(weekdays),
        weeks_of_month=[],
        start_time=time(9),
        end_time=time(17),
        starts_on=date(2026, 1, 1),
        capacity=0,
        **extra,
    )
    db.add(oh)
    await db.flush()
    return oh
