"""The demo seed gives 邻里便利店 its offers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import DemoWorld
from app.merchants.demo import seed
from app.models.merchants import Offer
from tests.support.factories import World


async def test_demo_seed_adds_offers(db: AsyncSession, world: World) -> None:
    demo = DemoWorld(
        world.street,
        [world.community, world.other_community],
        [world.grid],
        {},
        world.admin,
        world.staff,
        world.other_staff,
        world.handler,
        world.merchant_staff,
        world.merchant,
        [world.resident],
    )
    await seed(db, demo)
    names = (
        (await db.execute(select(Offer.name).where(Offer.merchant_id == world.merchant.id))).scalars().all()
    )
    assert "食用油 5L" in names
    assert world.merchant.address == "桃源路 18 号"
