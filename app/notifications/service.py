"""Notifications: every one lands in the user's inbox; WeChat subscribe messages go out through the worker.

Other domains call `notify(...)` inside their own transaction, so a rolled-back change notifies nobody:
the inbox row, the delivery row and the queued send job are all written in that one transaction.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.identity.principal import Principal
from app.models.notifications import Delivery, Notification, SubscribeGrant
from app.notifications.config import get_notification_settings
from app.notifications.errors import NotificationNotFound, UnknownTemplate
from app.notifications.schemas import SubscriptionsOut, TemplateGrantOut
from app.notifications.sender import SEND_TASK
from app.notifications.templates import template_for, templates_by_id
from app.platform import queue

_INBOX = text("""
INSERT INTO notifications (id, user_id, kind, title, body, link, data, created_at)
VALUES (CAST(:id AS uuid), CAST(:user_id AS uuid), :kind, :title, :body, :link, CAST(:data AS jsonb),
        CAST(:now AS timestamptz))
""")

# The inbox row and the user's grants left for the template, in one round trip.
_INBOX_AND_GRANT = text("""
WITH note AS (
    INSERT INTO notifications (id, user_id, kind, title, body, link, data, created_at)
    VALUES (CAST(:id AS uuid), CAST(:user_id AS uuid), :kind, :title, :body, :link, CAST(:data AS jsonb),
            CAST(:now AS timestamptz))
    RETURNING user_id
)
SELECT g.remaining FROM subscribe_grants g JOIN note ON g.user_id = note.user_id
WHERE g.template_id = :template_id
""")


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
    """Queue a notification for `user_id` (kind e.g. "ticket.resolved"; title/body in Chinese).

    The inbox row is written now; when the kind has a subscribe-message template and the user has a
    grant left for it, a delivery is queued for the worker in the same transaction. The common case (no
    grant left) is one plain statement: the inbox row and the grant lookup together.
    """
    note = Notification(
        id=uuid.uuid4(),
        user_id=user_id,
        kind=kind,
        title=title[:100],
        body=body,
        link=link,
        data=data or {},
        created_at=clock.now(),
        read_at=None,
    )
    template = template_for(get_notification_settings(), note.kind)
    values = {
        "id": note.id,
        "user_id": user_id,
        "kind": kind,
        "title": note.title,
        "body": body,
        "link": link,
        "data": json.dumps(note.data, ensure_ascii=False),
        "now": note.created_at,
    }
    if db.new:
        await db.flush()  # rows added to the session first (the user, say) exist before this one
    conn = await db.connection()
    if template is None:
        await conn.execute(_INBOX, values)
        remaining = None
    else:
        remaining = (
            await conn.execute(_INBOX_AND_GRANT, {**values, "template_id": template.template_id})
        ).scalar_one_or_none()
    # The row exists: the session holds it as persistent (db.get and refresh find it) without an INSERT.
    make_transient_to_detached(note)
    db.add(note)
    if template is not None and remaining:
        await _queue_delivery(db, note, template.template_id)
    return note


async def _queue_delivery(db: AsyncSession, note: Notification, template_id: str) -> Delivery:
    delivery = Delivery(
        notification_id=note.id,
        user_id=note.user_id,
        template_id=template_id,
        status="pending",
        attempts=0,
        grant_spent=False,
        created_at=clock.now(),
    )
    db.add(delivery)
    await db.flush()
    await queue.defer(
        db, SEND_TASK, {"delivery_id": str(delivery.id), "attempt": 1}, lock=f"delivery:{delivery.id}"
    )
    return delivery


# ---------------------------------------------------------------- inbox


async def inbox(db: AsyncSession, who: Principal, params: PageParams, *, unread: bool = False) -> Page[Any]:
    """The caller's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == who.id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    position = params.after(datetime, uuid.UUID)
    if position is not None:
        at, last_id = position
        query = query.where(
            or_(
                Notification.created_at < at,
                and_(Notification.created_at == at, Notification.id < last_id),
            )
        )
    rows = list(
        (
            await db.execute(
                query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    return page_of(rows, params, lambda n: [n.created_at.isoformat(), str(n.id)])


async def mark_read(db: AsyncSession, who: Principal, notification_id: uuid.UUID) -> Notification:
    """Mark one of the caller's notifications read (reading it again changes nothing)."""
    note = (
        await db.execute(
            select(Notification).where(Notification.id == notification_id, Notification.user_id == who.id)
        )
    ).scalar_one_or_none()
    if note is None:
        raise NotificationNotFound()
    if note.read_at is None:
        note.read_at = clock.now()
        await db.flush()
    return note


async def mark_all_read(db: AsyncSession, who: Principal) -> int:
    result = await db.execute(
        update(Notification)
        .where(Notification.user_id == who.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def unread_count(db: AsyncSession, who: Principal) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == who.id, Notification.read_at.is_(None))
    )
    return int(count or 0)


# ---------------------------------------------------------------- subscribe-message grants


async def subscriptions(db: AsyncSession, who: Principal) -> SubscriptionsOut:
    """Every configured template with the caller's grants left."""
    grants = {
        g.template_id: g.remaining
        for g in (await db.execute(select(SubscribeGrant).where(SubscribeGrant.user_id == who.id))).scalars()
    }
    return SubscriptionsOut(
        templates=[
            TemplateGrantOut(template_id=tid, kinds=sorted(kinds), remaining=grants.get(tid, 0))
            for tid, kinds in sorted(templates_by_id(get_notification_settings()).items())
        ]
    )


async def grant(db: AsyncSession, who: Principal, template_ids: list[str]) -> SubscriptionsOut:
    """Record one one-time grant per accepted template (wx.requestSubscribeMessage → "accept")."""
    known = templates_by_id(get_notification_settings())
    unknown = sorted({t for t in template_ids if t not in known})
    if unknown:
        raise UnknownTemplate(", ".join(unknown))
    # One requestSubscribeMessage call accepts a template at most once; sorted keeps lock order fixed.
    for template_id in sorted(set(template_ids)):
        await db.execute(
            insert(SubscribeGrant)
            .values(
                user_id=who.id,
                template_id=template_id,
                remaining=1,
                granted_total=1,
                spent_total=0,
                updated_at=clock.now(),
            )
            .on_conflict_do_update(
                index_elements=[SubscribeGrant.user_id, SubscribeGrant.template_id],
                set_={
                    "remaining": SubscribeGrant.remaining + 1,
                    "granted_total": SubscribeGrant.granted_total + 1,
                    "updated_at": clock.now(),
                },
            )
        )
    return await subscriptions(db, who)
