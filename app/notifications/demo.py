"""Demo data: a welcome notice in every demo resident's inbox, and subscribe grants for 张阿姨 so her
ticket updates also go out as (fake) WeChat subscribe messages under `make run`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import DemoWorld
from app.models.notifications import SubscribeGrant
from app.notifications.config import get_notification_settings
from app.notifications.service import notify
from app.notifications.templates import template_for


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    for resident in world.residents:
        await notify(
            db,
            user_id=resident.id,
            kind="system.welcome",
            title="欢迎使用邻里服务",
            body="在这里可以报事报修、预约服务、参加志愿活动、使用积分。",
        )
    template = template_for(get_notification_settings(), "ticket.resolved")
    if template is not None and world.residents:
        db.add(
            SubscribeGrant(
                user_id=world.residents[0].id,
                template_id=template.template_id,
                remaining=3,
                granted_total=3,
                spent_total=0,
            )
        )
    await db.flush()
