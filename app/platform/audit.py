"""Audit log of staff and admin actions, written in the same transaction as the action (one plain INSERT
on the request's connection, at once: no ORM unit of work at commit)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.logging import request_id_var
from app.models.platform import AuditEntry

_AUDIT = cast(Table, AuditEntry.__table__)


async def record(
    db: AsyncSession,
    *,
    actor_id: uuid.UUID | None,
    action: str,
    target_type: str,
    target_id: uuid.UUID | str | None = None,
    community_id: uuid.UUID | None = None,
    on_behalf_of: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    if db.new:
        await db.flush()  # rows added to the session first (the actor, the community) exist before this one
    conn = await db.connection()
    await conn.execute(
        insert(_AUDIT).values(
            id=uuid.uuid4(),
            actor_id=actor_id,
            on_behalf_of=on_behalf_of,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            community_id=community_id,
            detail={
                k: v if isinstance(v, str | int | float | bool | None) else str(v) for k, v in detail.items()
            },
            request_id=request_id_var.get(),
            created_at=clock.now(),
        )
    )
