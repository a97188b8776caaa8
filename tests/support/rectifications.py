"""Builders for rectification items: `await open_rectification(db, world, ...)` through the service."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.rectifications import service
from app.rectifications.schemas import RectificationOut
from tests.support.factories import World


async def open_rectification(db: AsyncSession, world: World, **overrides: Any) -> RectificationOut:
    fields: dict[str, Any] = {
        "community_id": world.community.id,
        "source_kind": "review_round",
        "source_id": uuid.uuid4(),
        "title": "楼道照明维修不及时",
        "detail": "评议得分 2.4，低于 3.0",
        "owner_user_id": None,
        "owner_name": "甲物业",
        "deadline_workdays": 10,
        "opened_by": world.staff.id,
    } | overrides
    item = await service.open_item(db, **fields)
    await db.flush()
    return item
