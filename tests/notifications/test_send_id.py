"""Issue #19, point 5: a subscribe message is sent at most once per delivery attempt on our side.

A worker killed between WeChat's answer and recording it used to leave the delivery `pending` with the
same attempt, and the job procrastinate put back sent the message again. Now the send id committed before
the call makes the retried job stop: the delivery ends `unconfirmed`, WeChat is not called again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.notifications import Delivery, DeliveryAttempt
from app.notifications import sender
from app.notifications.sender import Runtime, send_delivery
from tests.notifications.conftest import FakeWechat
from tests.notifications.test_sender import PATH, _queued, _reload, _remaining, _resident


async def _first_run_dies_after_wechat_answers(runtime: Runtime, delivery: Delivery) -> sender._Prepared:
    """Steps of send_delivery up to WeChat's answer; the worker 'dies' before recording it."""
    async with runtime.sessionmaker() as db:
        prepared = await sender._claim(db, runtime.config, delivery.id, 1)
        await db.commit()
    assert isinstance(prepared, sender._Prepared)
    outcome, _errcode, _error = await sender._call(runtime.wechat, prepared)
    assert outcome == "sent"
    return prepared


async def test_a_send_whose_outcome_was_never_recorded_is_not_sent_again(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db, grants=3)
    delivery = await _queued(live_db, user)
    await _first_run_dies_after_wechat_answers(runtime, delivery)
    assert len(fake_wechat.state.sent) == 1
    stored = await _reload(live_db, delivery)
    assert stored.status == "pending"
    assert stored.send_id is not None  # committed before the call

    # procrastinate retries the stalled job: same attempt number.
    assert await send_delivery(runtime, delivery.id, 1) == "unconfirmed"
    assert len(fake_wechat.state.sent) == 1  # not twice
    assert (await _reload(live_db, delivery)).status == "unconfirmed"
    assert await _remaining(live_db, user) == 2  # one grant, spent once
    # And any later duplicate of the job is a no-op.
    assert await send_delivery(runtime, delivery.id, 1) == "skipped"
    assert await send_delivery(runtime, delivery.id, 2) == "skipped"
    assert len(fake_wechat.state.sent) == 1


async def test_a_slow_first_worker_still_records_the_real_outcome(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db, grants=1)
    delivery = await _queued(live_db, user)
    prepared = await _first_run_dies_after_wechat_answers(runtime, delivery)
    assert await send_delivery(runtime, delivery.id, 1) == "unconfirmed"
    # The first worker was only slow: its answer arrives now and wins over "unconfirmed".
    async with runtime.sessionmaker() as db:
        result = await sender._record(db, runtime.config, delivery.id, 1, prepared, "sent", None, None)
        await db.commit()
    assert result == "sent"
    assert (await _reload(live_db, delivery)).status == "sent"
    attempts = (
        (await live_db.execute(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)))
        .scalars()
        .all()
    )
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, "sent")]
    assert attempts[0].request["send_id"] == str(prepared.send_id)
    assert len(fake_wechat.state.sent) == 1


async def test_a_retry_after_a_recorded_timeout_gets_a_new_send_id(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db, grants=1)
    delivery = await _queued(live_db, user)
    fake_wechat.state.fail_next[PATH] = [-1]  # WeChat busy: retried
    assert await send_delivery(runtime, delivery.id, 1) == "retry"
    assert (await _reload(live_db, delivery)).send_id is None  # cleared: the next attempt may send
    assert await send_delivery(runtime, delivery.id, 2) == "sent"
    stored = await _reload(live_db, delivery)
    assert stored.status == "sent"
    assert stored.send_id is not None
    assert len(fake_wechat.state.sent) == 1
