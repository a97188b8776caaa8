"""Audit log of staff and admin actions, written in the same transaction as the action."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.logging import request_id_var
from app.models.platform import AuditEntry


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
    db.add(
        AuditEntry(
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
        )
    )
