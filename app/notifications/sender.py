"""Send one delivery as a WeChat subscribe message (runs in the worker; each attempt is recorded).

An attempt is two short transactions around the HTTP call, so no row lock is held while WeChat answers:

1. lock the delivery; skip it when it is finished or the job is stale (its attempt number is not the
   next one — a duplicate or an old retry); spend one grant unless this delivery already spent one;
   write a fresh **send id** on it (`send_id`, `send_started_at`) and commit, all before calling WeChat.
2. after the call: lock it again, check the send id is still ours, record the attempt, and either
   finish the delivery (sent, refused, failed, gave_up) or clear the send id and queue the next attempt
   with exponential backoff, in the same transaction.

Idempotent on our side: a worker killed between WeChat's answer and step 2 leaves the send id set, and
the retried job (procrastinate puts a stalled job back) finds it in step 1 and does **not** send again:
the delivery ends `unconfirmed` (it may or may not have reached the phone; the inbox has it anyway).
Should the first worker only have been slow, its step 2 still finds its own send id and records the real
outcome over `unconfirmed`.

What remains possible (WeChat's send API takes no idempotency key, so no client can rule it out):
- a message lost: the worker died after committing step 1 but before WeChat got the request; it is
  `unconfirmed`, never re-sent; the in-app inbox still holds it;
- a message twice: the call timed out (`WechatUnavailable`) after WeChat had in fact accepted it; a
  timeout is retried with backoff, so the phone may show it twice. Retrying there is deliberate: most
  timeouts are requests that never arrived, and a lost "your ticket was resolved" costs more than a
  repeated one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import clock
from app.core.database import unit_of_work
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
    send_id: uuid.UUID


async def send_delivery(rt: Runtime, delivery_id: uuid.UUID, attempt: int) -> str:
    """Run attempt `attempt` of a delivery; returns the outcome (or "skipped")."""
    async with unit_of_work(rt.sessionmaker) as db:
        prepared = await _claim(db, rt.config, delivery_id, attempt)
    if isinstance(prepared, str):
        return prepared
    outcome, errcode, error = await _call(rt.wechat, prepared)
    async with unit_of_work(rt.sessionmaker) as db:
        result = await _record(db, rt.config, delivery_id, attempt, prepared, outcome, errcode, error)
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
    if delivery.send_id is not None:
        # An earlier run of this attempt committed its send id and never recorded the outcome (its
        # worker died around the call): WeChat may have delivered it. Never send it a second time.
        log.warning(
            "subscribe message left unconfirmed",
            extra={"delivery_id": str(delivery.id), "send_id": str(delivery.send_id)},
        )
        return await _finish(
            db,
            delivery,
            "unconfirmed",
            attempt,
            "worker stopped during the send",
            send_id=str(delivery.send_id),
        )
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
    delivery.send_id = uuid.uuid4()
    delivery.send_started_at = clock.now()
    await db.flush()
    return _Prepared(user.openid, delivery.template_id, page, data, delivery.created_at, delivery.send_id)


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
    if delivery is None or delivery.send_id != p.send_id:
        return "skipped"  # not our send any more: someone recorded this attempt already
    late = delivery.status == "unconfirmed"  # a retry gave up on us while we waited: say what happened
    if not late and (delivery.status != "pending" or delivery.attempts + 1 != attempt):
        return "skipped"
    if late:
        await db.execute(
            delete(DeliveryAttempt).where(
                DeliveryAttempt.delivery_id == delivery.id,
                DeliveryAttempt.attempt == attempt,
                DeliveryAttempt.outcome == "unconfirmed",
            )
        )
        delivery.status = "pending"
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
            request={"template_id": p.template_id, "page": p.page, "data": p.data, "send_id": str(p.send_id)},
            at=now,
        )
    )
    delivery.attempts = attempt
    delivery.last_error = error
    if status == "retry":
        delivery.send_id = None  # this send is over; the next attempt gets its own
        delivery.send_started_at = None
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
