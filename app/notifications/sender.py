"""Send one delivery as a WeChat subscribe message (runs in the worker; each attempt is recorded).

An attempt is two short transactions around the HTTP call, so no row lock is held while WeChat answers:

1. lock the delivery; skip it when it is finished or the job is stale (its attempt number is not the
   next one — a duplicate or an old retry); spend one grant unless this delivery already spent one.
2. after the call: record the attempt, and either finish the delivery (sent, refused, failed, gave_up)
   or queue the next attempt with exponential backoff, in the same transaction.

A worker killed between the two leaves `attempts` unchanged; the retried job sends again without
spending a second grant (at-least-once: WeChat may, rarely, show that message twice).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import clock
from app.models.identity import User
from app.models.notifications import Delivery, DeliveryAttempt, Notification, SubscribeGrant
from app.notifications.config import NotificationSettings, TemplateConfig
from app.notifications.templates import render
from app.platform import queue
from app.wechat.client import TOKEN_EXPIRED_ERRCODES, WechatApiError, WechatClient, WechatUnavailable

log = logging.getLogger("linli.notifications.sender")

SEND_TASK = "notifications.send_subscribe_message"
# 43101: the user refused, or has no grant left for this template at WeChat.
REFUSED = 43101


@dataclass
class Runtime:
    """What jobs need in a worker process: sessions, the WeChat client, this domain's settings."""

    sessionmaker: async_sessionmaker[AsyncSession]
    wechat: WechatClient
    config: NotificationSettings


def backoff(config: NotificationSettings, attempt: int) -> timedelta:
    """Wait before attempt `attempt + 1`: base · 2^(attempt-1), capped."""
    seconds = min(
        config.subscribe_retry_base_seconds * 2 ** (attempt - 1), config.subscribe_retry_max_seconds
    )
    return timedelta(seconds=seconds)


def _template(config: NotificationSettings, template_id: str) -> TemplateConfig | None:
    return next((t for t in config.subscribe_templates.values() if t.template_id == template_id), None)


@dataclass
class _Prepared:
    openid: str
    template_id: str
    page: str | None
    data: dict[str, dict[str, str]]
    created_at: datetime


async def send_delivery(rt: Runtime, delivery_id: uuid.UUID, attempt: int) -> str:
    """Run attempt `attempt` of a delivery; returns the outcome (or "skipped")."""
    async with rt.sessionmaker() as db:
        prepared = await _claim(db, rt.config, delivery_id, attempt)
        await db.commit()
    if isinstance(prepared, str):
        return prepared
    outcome, errcode, error = await _call(rt.wechat, prepared)
    async with rt.sessionmaker() as db:
        result = await _record(db, rt.config, delivery_id, attempt, prepared, outcome, errcode, error)
        await db.commit()
    log.info(
        "subscribe message attempt",
        extra={"delivery_id": str(delivery_id), "attempt": attempt, "outcome": result, "errcode": errcode},
    )
    return result


async def _lock(db: AsyncSession, delivery_id: uuid.UUID) -> Delivery | None:
    return (
        await db.execute(select(Delivery).where(Delivery.id == delivery_id).with_for_update())
    ).scalar_one_or_none()


async def _finish(
    db: AsyncSession, delivery: Delivery, status: str, attempt: int, error: str | None, **request: Any
) -> str:
    now = clock.now()
    delivery.status = status
    delivery.attempts = attempt
    delivery.finished_at = now
    delivery.next_attempt_at = None
    delivery.last_error = error
    db.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempt=attempt,
            outcome=status,
            errcode=None,
            error=error,
            request=request,
            at=now,
        )
    )
    await db.flush()
    return status


async def _claim(
    db: AsyncSession, config: NotificationSettings, delivery_id: uuid.UUID, attempt: int
) -> _Prepared | str:
    delivery = await _lock(db, delivery_id)
    if delivery is None or delivery.status != "pending" or delivery.attempts + 1 != attempt:
        return "skipped"
    note = await db.get(Notification, delivery.notification_id)
    user = await db.get(User, delivery.user_id)
    template = _template(config, delivery.template_id)
    if note is None or user is None or not user.openid:
        return await _finish(db, delivery, "failed", attempt, "no WeChat openid")
    if template is None:
        return await _finish(db, delivery, "failed", attempt, "template no longer configured")
    if not delivery.grant_spent:
        grant = (
            await db.execute(
                select(SubscribeGrant)
                .where(
                    SubscribeGrant.user_id == delivery.user_id,
                    SubscribeGrant.template_id == delivery.template_id,
                )
                .with_for_update()
            )
        ).scalar_one_or_none()
        if grant is None or grant.remaining < 1:
            return await _finish(db, delivery, "no_grant", attempt, "no grant left")
        grant.remaining -= 1
        grant.spent_total += 1
        delivery.grant_spent = True
        await db.flush()
    data, page = render(template, note)
    return _Prepared(user.openid, delivery.template_id, page, data, delivery.created_at)


async def _call(wechat: WechatClient, p: _Prepared) -> tuple[str, int | None, str | None]:
    """("sent" | "refused" | "failed" | "retry", errcode, error)."""
    try:
        await wechat.send_subscribe_message(
            openid=p.openid, template_id=p.template_id, page=p.page, data=p.data
        )
    except WechatApiError as exc:
        if exc.errcode == REFUSED:
            return "refused", exc.errcode, exc.errmsg[:255]
        if exc.errcode in TOKEN_EXPIRED_ERRCODES:
            # Still rejected after the client's refresh: another process may be rotating the token.
            return "retry", exc.errcode, exc.errmsg[:255]
        return "failed", exc.errcode, exc.errmsg[:255]
    except WechatUnavailable as exc:
        return "retry", None, str(exc.detail or "unavailable")[:255]
    return "sent", None, None


async def _record(
    db: AsyncSession,
    config: NotificationSettings,
    delivery_id: uuid.UUID,
    attempt: int,
    p: _Prepared,
    outcome: str,
    errcode: int | None,
    error: str | None,
) -> str:
    delivery = await _lock(db, delivery_id)
    if delivery is None or delivery.status != "pending" or delivery.attempts + 1 != attempt:
        return "skipped"  # someone recorded this attempt already
    now = clock.now()
    status = outcome
    next_at: datetime | None = None
    if outcome == "retry":
        next_at = now + backoff(config, attempt)
        if next_at > p.created_at + timedelta(hours=config.subscribe_give_up_hours):
            status, next_at = "gave_up", None
    elif outcome == "refused":
        # WeChat holds no grant for this template: our count was ahead of it, so it is zero now.
        grant = (
            await db.execute(
                select(SubscribeGrant)
                .where(
                    SubscribeGrant.user_id == delivery.user_id,
                    SubscribeGrant.template_id == delivery.template_id,
                )
                .with_for_update()
            )
        ).scalar_one_or_none()
        if grant is not None:
            grant.remaining = 0
    db.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempt=attempt,
            outcome=status,
            errcode=errcode,
            error=error,
            request={"template_id": p.template_id, "page": p.page, "data": p.data},
            at=now,
        )
    )
    delivery.attempts = attempt
    delivery.last_error = error
    if status == "retry":
        delivery.next_attempt_at = next_at
        await queue.defer(
            db,
            SEND_TASK,
            {"delivery_id": str(delivery.id), "attempt": attempt + 1},
            lock=f"delivery:{delivery.id}",
            scheduled_at=next_at,
        )
    else:
        delivery.status = status
        delivery.finished_at = now
        delivery.next_attempt_at = None
    await db.flush()
    return status
