"""HTTP routes of the notifications domain: the inbox and subscribe-message grants."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser
from app.models.notifications import Notification
from app.notifications import service
from app.notifications.schemas import (
    NotificationOut,
    ReadAllOut,
    SubscriptionsIn,
    SubscriptionsOut,
    UnreadCountOut,
)
from app.platform.idempotency import IdempotencyDep

router = APIRouter(tags=["notifications"])

NotificationId = Annotated[uuid.UUID, Path(description="Notification id")]


@router.get("/notifications", response_model=Page[NotificationOut])
async def list_notifications(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    unread: Annotated[bool, Query(description="Only unread notifications")] = False,
) -> Page[Any]:
    """My inbox, newest first."""
    return await service.inbox(db, who, page, unread=unread)


@router.get("/notifications/unread-count", response_model=UnreadCountOut)
async def unread_count(who: CurrentUser, db: DB) -> UnreadCountOut:
    """How many of my notifications are unread (the badge)."""
    return UnreadCountOut(unread=await service.unread_count(db, who))


@router.post("/notifications/read-all", response_model=ReadAllOut)
async def read_all(who: CurrentUser, db: DB) -> ReadAllOut:
    """Mark all my notifications read."""
    return ReadAllOut(updated=await service.mark_all_read(db, who))


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut)
async def read_one(notification_id: NotificationId, who: CurrentUser, db: DB) -> Notification:
    """Mark one of my notifications read."""
    return await service.mark_read(db, who, notification_id)


@router.get("/subscriptions", response_model=SubscriptionsOut, tags=["notifications"])
async def list_subscriptions(who: CurrentUser, db: DB) -> SubscriptionsOut:
    """Subscribe-message templates to request in the mini-program, with my grants left for each."""
    return await service.subscriptions(db, who)


@router.post("/subscriptions", response_model=SubscriptionsOut, status_code=201)
async def add_subscriptions(
    body: SubscriptionsIn, who: CurrentUser, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Record the one-time grants the user accepted in wx.requestSubscribeMessage (one per template)."""
    return await idem.run(
        str(who.id), SubscriptionsOut, lambda: service.grant(db, who, body.template_ids), status_code=201
    )
