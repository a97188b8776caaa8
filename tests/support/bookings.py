"""Builders for bookings tests: services and slots with sensible defaults, times in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.bookings import BookableService, BookingSlot
from app.models.identity import OrgUnit

SERVICES = "/api/v1/services"
BOOKINGS = "/api/v1/bookings"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware Asia/Shanghai time."""
    return datetime(year, month, day, hour, minute, tzinfo=clock.SHANGHAI)


def base_monday() -> datetime:
    """Local midnight of a Monday two to three weeks ahead of the real clock.

    Tests freeze the app clock around it; it must lie in the future because access tokens are checked
    against real time as well as the app clock.
    """
    today = datetime.now(clock.SHANGHAI).date() + timedelta(days=14)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return datetime(monday.year, monday.month, monday.day, tzinfo=clock.SHANGHAI)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """`day` days after base_monday(), at local hour:minute."""
    return base_monday() + timedelta(days=day, hours=hour, minutes=minute)


async def make_service(db: AsyncSession, community: OrgUnit, **rules: Any) -> BookableService:
    values: dict[str, Any] = {
        "name": "便民理发",
        "category": "生活服务",
        "location": "邻里中心一楼",
        "opens_days_ahead": 7,
        "closes_minutes_before": 30,
        "cancel_before_minutes": 120,
    }
    values.update(rules)
    service = BookableService(community_id=community.id, **values)
    db.add(service)
    await db.flush()
    return service


async def make_slot(
    db: AsyncSession, service: BookableService, start: datetime, *, minutes: int = 60, capacity: int = 2
) -> BookingSlot:
    slot = BookingSlot(
        service_id=service.id,
        community_id=service.community_id,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        capacity=capacity,
    )
    db.add(slot)
    await db.flush()
    return slot
