"""Notifications: every one lands in the user's inbox (issue #7 adds WeChat delivery and the worker).

Other domains call `notify(...)` inside their own transaction, so a rolled-back change notifies nobody.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models.notifications import Notification


async def notify(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    data: dict[str, Any] | None = None,
) -> Notification:
    """Queue a notification for `user_id` (kind e.g. "ticket.resolved"; title/body in Chinese)."""
    note = Notification(user_id=user_id, kind=kind, title=title[:100], body=body, link=link, data=data or {})
    db.add(note)
    await db.flush()
    return note
