"""Demo volunteering: one published activity to sign up for, and one open mutual-aid request."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.demo import DemoWorld
from app.models.volunteering import Activity, ActivityStatus, HelpRequest, HelpStatus


def _tomorrow_at(hour: int) -> datetime:
    day = clock.local_now().date() + timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=clock.SHANGHAI)


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    community = world.communities[0]
    start = _tomorrow_at(9)
    db.add(
        Activity(
            id=uuid.uuid4(),
            community_id=community.id,
            organiser_id=world.staff.id,
            title="周末社区清洁日",
            description="清理楼道杂物、擦拭健身器材，请穿方便活动的衣服。手套和工具由社区提供。",
            location="桃源社区文化广场",
            start_at=start,
            end_at=start + timedelta(hours=2),
            capacity=20,
            minutes_reward=120,
            points_reward=30,
            signup_deadline=start - timedelta(hours=12),
            status=ActivityStatus.published,
            signed_up=0,
        )
    )
    elder = world.residents[1] if len(world.residents) > 1 else None
    if elder is not None and elder.community_id == community.id:
        db.add(
            HelpRequest(
                id=uuid.uuid4(),
                community_id=community.id,
                requester_id=elder.id,
                title="帮忙去药店取药",
                description="家住 3 栋 502，腿脚不方便，想请邻居帮忙去社区药店取降压药。",
                minutes=60,
                when_at=_tomorrow_at(15),
                status=HelpStatus.open,
            )
        )
    await db.flush()
