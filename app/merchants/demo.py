"""Demo data: the shop details and offers of 邻里便利店, and a second participating merchant."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.demo import DemoWorld
from app.models.merchants import Merchant, Offer


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    shop = world.merchant
    shop.address = "桃源路 18 号"
    shop.category = "便利店"
    shop.contact_name = "陈店长"
    shop.contact_phone = "13800000003"
    now = clock.now()
    db.add_all(
        [
            Offer(merchant_id=shop.id, name="鸡蛋一盒（10枚）", points=120, stock=50, per_resident_limit=2),
            Offer(merchant_id=shop.id, name="食用油 5L", points=600, stock=10, per_resident_limit=1),
            Offer(
                merchant_id=shop.id,
                name="重阳节敬老礼包",
                points=300,
                stock=30,
                per_resident_limit=1,
                valid_from=now,
                valid_until=now + timedelta(days=60),
            ),
            Offer(merchant_id=shop.id, name="矿泉水一瓶", points=20, stock=None),
        ]
    )
    barber = Merchant(
        community_id=world.communities[0].id,
        name="桃源便民理发店",
        address="桃源路 26 号",
        category="理发",
        contact_name="李师傅",
        contact_phone="13800000006",
        fen_per_point=8,
    )
    db.add(barber)
    await db.flush()
    db.add(Offer(merchant_id=barber.id, name="老人理发一次", points=150, stock=None, per_resident_limit=4))
    await db.flush()
