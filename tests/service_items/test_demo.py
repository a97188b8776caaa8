"""The demo: a catalogue of real-shaped items across every category, applications in every state, and
two officials' recurring office hours."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import demo
from app.models.service_items import (
    ItemCategory,
    OfficeHours,
    OfficeSession,
    RequestStatus,
    ServiceItem,
    ServiceItemVersion,
    ServiceRequest,
)
from tests.support.factories import TEST_SETTINGS


async def test_demo_seeds_the_catalogue_applications_and_office_hours(db: AsyncSession) -> None:
    world = await demo.seed(db, TEST_SETTINGS)
    assert world is not None
    taoyuan = world.communities[0].id
    items = await db.scalar(
        select(func.count()).select_from(ServiceItem).where(ServiceItem.community_id == taoyuan)
    )
    assert items is not None
    assert items >= 30
    categories = set((await db.execute(select(ServiceItemVersion.category))).scalars())
    assert categories == set(ItemCategory)
    states = set((await db.execute(select(ServiceRequest.status))).scalars())
    assert states == set(RequestStatus)
    hours = list((await db.execute(select(OfficeHours))).scalars())
    assert sorted(h.official_name for h in hours) == ["王律师", "陈医生"]
    sessions = await db.scalar(select(func.count()).select_from(OfficeSession))
    assert sessions is not None
    assert sessions >= 8
