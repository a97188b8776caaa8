"""Demo services for seed-demo: 便民理发, 日间照料, 法律咨询 and 棋牌室, with slots next week."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import booking, catalogue
from app.bookings.schemas import BookingIn, ScheduleIn, ServiceIn, SlotsIn, WeeklyTime
from app.core import clock
from app.core.errors import DomainError
from app.demo import DemoWorld
from app.identity.principal import load_principal
from app.models.bookings import Audience, ProviderKind


def _weekly(days: list[int], start: time, end: time, capacity: int) -> list[WeeklyTime]:
    return [WeeklyTime(weekday=d, start=start, end=end, capacity=capacity) for d in days]


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    staff = await load_principal(db, world.staff)
    community = world.communities[0]
    today = clock.local_now().date()
    monday = today + timedelta(days=7 - today.weekday())
    week = {"from_date": monday, "to_date": monday + timedelta(days=6)}
    services = [
        (
            ServiceIn(
                community_id=community.id, name="便民理发", category="生活服务",
                description="志愿理发师每周一、三、五上午服务，60 岁以上老人优先。",
                provider_kind=ProviderKind.social_org, provider_name="桃源志愿服务队",
                location="邻里中心一楼便民服务室", quota_per_week=1, cancel_before_minutes=120,
            ),
            _weekly([1, 3, 5], time(9), time(9, 30), 3) + _weekly([1, 3, 5], time(9, 30), time(10), 3),
        ),
        (
            ServiceIn(
                community_id=community.id, name="日间照料", category="养老服务",
                description="午餐、午休、康复活动，需工作人员审核。",
                provider_name="桃源长者服务站", location="长者服务站", audience=Audience.seniors,
                approval_required=True, quota_per_day=1,
            ),
            _weekly([1, 2, 3, 4, 5], time(9), time(16), 20),
        ),
        (
            ServiceIn(
                community_id=community.id, name="法律咨询", category="法律服务",
                description="律师一对一咨询，每次 30 分钟。", provider_name="社区法律顾问",
                location="党群服务中心二楼调解室", waitlist=False, quota_per_week=1,
            ),
            _weekly([2, 4], time(14), time(14, 30), 1) + _weekly([2, 4], time(14, 30), time(15), 1),
        ),
        (
            ServiceIn(
                community_id=community.id, name="棋牌室", category="文体活动",
                description="象棋、围棋、扑克，每场两小时。", location="邻里中心三楼棋牌室",
                points_price=2, cancel_before_minutes=60,
            ),
            _weekly([1, 2, 3, 4, 5, 6, 7], time(14), time(16), 12),
        ),
    ]  # fmt: skip
    created = {}
    for body, weekly in services:
        item = await catalogue.create_service(db, staff, body)
        await catalogue.create_slots(db, staff, item.id, SlotsIn(schedule=ScheduleIn(**week, weekly=weekly)))
        created[item.name] = item
    # 张阿姨 booked a haircut herself; 王社工 booked day care for 刘大爷, who phoned in.
    resident, elder = world.residents[0], world.residents[1]
    for name, who, target in (("便民理发", resident, None), ("日间照料", world.staff, elder)):
        slots = await catalogue.list_slots(
            db, staff, created[name].id, start=clock.now(), end=clock.now() + timedelta(days=14)
        )
        if not slots:
            continue
        acting = await load_principal(db, who)
        try:
            async with db.begin_nested():
                await booking.book(
                    db, acting, BookingIn(slot_id=slots[0].id, on_behalf_of=target.id if target else None)
                )
        except DomainError:
            continue  # e.g. the booking window is not open yet on the day the demo is seeded
