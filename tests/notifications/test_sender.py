"""Subscribe-message sending against the WeChat fake (served over HTTP): success, 43101, token refresh,
timeouts with backoff, giving up after a day, truncation; every attempt recorded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core import clock
from app.models.identity import User
from app.models.notifications import Delivery, DeliveryAttempt, SubscribeGrant
from app.notifications.sender import SEND_TASK, Runtime, backoff, send_delivery
from tests.notifications.conftest import FakeWechat
from tests.support.factories import make_unit, make_user
from tests.support.notifications import give_grants, jobs, make_notification

PATH = "/cgi-bin/message/subscribe/send"
TEMPLATE = "demo-ticket-progress"


async def _resident(db: AsyncSession, grants: int = 1) -> User:
    from app.models.identity import OrgKind

    community = await make_unit(db, OrgKind.community, name="发送社区")
    user = await make_user(db, community=community)
    if grants:
        await give_grants(db, user, TEMPLATE, grants)
    return user


async def _queued(db: AsyncSession, user: User, **kw: object) -> Delivery:
    note = await make_notification(
        db,
        user,
        kind="ticket.resolved",
        title=str(kw.pop("title", "您的工单已办结")),
        **kw,  # type: ignore[arg-type]
    )
    await db.commit()
    return (await db.execute(select(Delivery).where(Delivery.notification_id == note.id))).scalar_one()


async def _reload(db: AsyncSession, delivery: Delivery) -> Delivery:
    await db.refresh(delivery)
    return delivery


async def _remaining(db: AsyncSession, user: User) -> int:
    remaining = await db.scalar(
        select(SubscribeGrant.remaining).where(
            SubscribeGrant.user_id == user.id, SubscribeGrant.template_id == TEMPLATE
        )
    )
    return remaining or 0


async def _attempts(db: AsyncSession, delivery: Delivery) -> list[DeliveryAttempt]:
    rows = await db.execute(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id == delivery.id)
        .order_by(DeliveryAttempt.attempt)
    )
    return list(rows.scalars())


async def test_success_sends_once_and_spends_one_grant(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db, grants=2)
    delivery = await _queued(live_db, user, link="/tickets/42")
    assert await send_delivery(runtime, delivery.id, 1) == "sent"
    assert len(fake_wechat.state.sent) == 1
    message = fake_wechat.state.sent[0]
    assert message["touser"] == user.openid
    assert message["template_id"] == TEMPLATE
    assert message["page"] == "pages/tickets/detail?link=/tickets/42"
    assert message["data"]["thing1"] == {"value": "您的工单已办结"}
    assert (await _reload(live_db, delivery)).status == "sent"
    assert await _remaining(live_db, user) == 1
    assert [a.outcome for a in await _attempts(live_db, delivery)] == ["sent"]
    # The same job again (a duplicate or a retry after a crash) does nothing.
    assert await send_delivery(runtime, delivery.id, 1) == "skipped"
    assert len(fake_wechat.state.sent) == 1


async def test_43101_marks_the_grant_spent_and_does_not_retry(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, engine: AsyncEngine, clean_queue: None
) -> None:
    user = await _resident(live_db, grants=3)
    delivery = await _queued(live_db, user)
    fake_wechat.state.fail_next[PATH] = [43101]
    assert await send_delivery(runtime, delivery.id, 1) == "refused"
    assert fake_wechat.state.sent == []
    assert (await _reload(live_db, delivery)).status == "refused"
    # WeChat holds no grant for the template, so neither do we.
    assert await _remaining(live_db, user) == 0
    attempts = await _attempts(live_db, delivery)
    assert [(a.outcome, a.errcode) for a in attempts] == [("refused", 43101)]
    assert [j for j in await jobs(engine, SEND_TASK) if j["args"]["attempt"] == 2] == []


async def test_no_grant_left_at_send_time_sends_nothing(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db, grants=1)
    first = await _queued(live_db, user)
    second = await _queued(live_db, user)  # queued while the one grant was still unspent
    assert await send_delivery(runtime, first.id, 1) == "sent"
    assert await send_delivery(runtime, second.id, 1) == "no_grant"
    assert len(fake_wechat.state.sent) == 1


async def test_expired_token_is_refreshed_and_the_send_retried_once(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db)
    delivery = await _queued(live_db, user)
    await runtime.wechat.access_token()
    tokens_before = fake_wechat.state.token_calls
    fake_wechat.state.fail_next[PATH] = [40001]
    assert await send_delivery(runtime, delivery.id, 1) == "sent"
    assert fake_wechat.state.token_calls == tokens_before + 1
    assert len(fake_wechat.state.sent) == 1
    assert [a.outcome for a in await _attempts(live_db, delivery)] == ["sent"]


async def test_timeouts_and_5xx_retry_with_exponential_backoff_without_spending_again(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, engine: AsyncEngine, clean_queue: None
) -> None:
    clock.freeze(clock.now())
    user = await _resident(live_db, grants=1)
    delivery = await _queued(live_db, user)
    fake_wechat.state.delay_next[PATH] = [2.0]  # longer than the client's timeout
    fake_wechat.state.fail_next[PATH] = [-1, 503]
    # attempt 1: timeout; 2: errcode -1 (WeChat busy)... the delayed call consumes no queued failure
    assert await send_delivery(runtime, delivery.id, 1) == "retry"
    assert await send_delivery(runtime, delivery.id, 2) == "retry"
    assert await send_delivery(runtime, delivery.id, 3) == "retry"
    assert await send_delivery(runtime, delivery.id, 4) == "sent"
    assert len(fake_wechat.state.sent) == 1
    assert await _remaining(live_db, user) == 0  # one grant for one message, however many tries

    attempts = await _attempts(live_db, delivery)
    assert [a.outcome for a in attempts] == ["retry", "retry", "retry", "sent"]
    assert "timeout" in (attempts[0].error or "")
    queued = [j for j in await jobs(engine, SEND_TASK) if j["args"]["delivery_id"] == str(delivery.id)]
    waits = [j["scheduled_at"] - clock.now() for j in queued if j["args"]["attempt"] > 1]
    config = runtime.config
    assert waits == [backoff(config, 1), backoff(config, 2), backoff(config, 3)]
    assert waits[0] < waits[1] < waits[2]
    assert (await _reload(live_db, delivery)).status == "sent"


async def test_a_stale_retry_job_is_a_no_op(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db)
    delivery = await _queued(live_db, user)
    fake_wechat.state.fail_next[PATH] = [500]
    assert await send_delivery(runtime, delivery.id, 1) == "retry"
    assert await send_delivery(runtime, delivery.id, 1) == "skipped"  # attempt 1 ran already
    assert await send_delivery(runtime, delivery.id, 3) == "skipped"  # not its turn
    assert fake_wechat.state.sent == []


async def test_gives_up_after_a_day(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    clock.freeze(clock.now())
    user = await _resident(live_db)
    delivery = await _queued(live_db, user)
    attempt = 1
    outcome = "retry"
    while outcome == "retry":
        fake_wechat.state.fail_next[PATH] = [502]
        outcome = await send_delivery(runtime, delivery.id, attempt)
        clock.advance(backoff(runtime.config, attempt))
        attempt += 1
        assert attempt < 60
    assert outcome == "gave_up"
    delivery = await _reload(live_db, delivery)
    assert delivery.status == "gave_up"
    assert delivery.finished_at is not None
    assert delivery.finished_at - delivery.created_at <= timedelta(hours=24)
    assert delivery.finished_at - delivery.created_at > timedelta(hours=20)
    count = await live_db.scalar(
        select(func.count()).select_from(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)
    )
    assert count == attempt - 1


async def test_values_are_cut_to_wechat_limits(
    live_db: AsyncSession, runtime: Runtime, fake_wechat: FakeWechat, clean_queue: None
) -> None:
    user = await _resident(live_db)
    long_title = "小区三号楼东侧路灯已经连续损坏超过两个星期无人维修请尽快处理"
    delivery = await _queued(
        live_db, user, title=long_title, body="第一行\n第二行", data={"status_label": "已办结完成处理"}
    )
    assert await send_delivery(runtime, delivery.id, 1) == "sent"
    data = fake_wechat.state.sent[0]["data"]
    assert len(data["thing1"]["value"]) == 20
    assert data["thing1"]["value"] == long_title[:19] + "…"
    assert data["phrase2"]["value"] == "已办结完成"
    assert data["thing4"]["value"] == "第一行 第二行"
    assert data["time3"]["value"].count("年") == 1
