"""The demo seed creates the four services with slots next week."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import seed
from app.models.bookings import BookableService, BookingSlot
from tests.support.factories import TEST_SETTINGS


async def test_demo_seed_adds_services_with_slots_next_week(db: AsyncSession) -> None:
    world = await seed(db, TEST_SETTINGS)
    assert world is not None
    names = set((await db.execute(select(BookableService.name))).scalars())
    assert {"便民理发", "日间照料", "法律咨询", "棋牌室"} <= names
    slots = (await db.execute(select(func.count()).select_from(BookingSlot))).scalar_one()
    assert slots > 0
