"""Settling a volunteer activity (结算): minutes and points credited once to every attendee.

Rules chosen where the issue is silent: settlement credits min(actual minutes, minutes_reward) (whole
minutes, rounded down; minutes_reward is at most the planned length) and the points reward to every
volunteer with both a check-in and a check-out; volunteers without a check-out earn nothing (staff can
fix attendance before settling). Rewards come from the community's issuance accounts through the ledger,
each with an idempotency key per (activity, volunteer, asset), under the activity's row lock: exactly once.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import DomainError
from app.identity import service as identity
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.models.ledger import Asset, TransferKind
from app.models.volunteering import Activity, ActivityStatus, Signup, SignupStatus
from app.notifications.service import notify
from app.platform import audit
from app.volunteering.errors import ActivityInvalidTransition, AlreadySettled
from app.volunteering.schemas import Credit, SettlementException, SettlementOut
from app.volunteering.service import load_staff, planned_minutes


def credited_minutes(activity: Activity, signup: Signup) -> int:
    if signup.checked_in_at is None or signup.checked_out_at is None:
        return 0
    actual = int((signup.checked_out_at - signup.checked_in_at).total_seconds() // 60)
    cap = min(activity.minutes_reward, planned_minutes(activity.start_at, activity.end_at))
    return max(0, min(actual, cap))


async def _credit(
    db: AsyncSession, who: Principal, activity: Activity, user_id: uuid.UUID, credit: Credit
) -> None:
    for asset, amount in ((Asset.hours, credit.minutes), (Asset.points, credit.points)):
        if amount <= 0:
            continue
        await ledger.transfer(
            db,
            debit=await ledger.system_account(db, activity.community_id, "issuance", asset),
            credit=await ledger.user_account(
                db, user_id, asset, community_id=(await identity.get_user(db, user_id)).community_id
            ),
            amount=amount,
            kind=TransferKind.volunteer_reward,
            reference=f"activity:{activity.id}",
            idempotency_key=f"activity:{activity.id}:{user_id}:{asset.value}",
            actor_id=who.id,
            memo=activity.title[:200],
        )


async def settle(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> SettlementOut:
    """Credit every attendee's minutes and points once (结算); a second call is already_settled.

    One attendee who cannot be credited (say a volunteer who moved to another community, whose wallet
    went along) does not block the others: each attendee is credited in a savepoint of their own, and
    the ones that failed come back as `exceptions` (and stay uncredited). Settling a settled activity
    again retries only those, once staff have sorted out the cause (issue #18).
    """
    activity = await load_staff(db, who, activity_id, lock=True)
    retry = activity.status is ActivityStatus.settled
    if not retry and activity.status is not ActivityStatus.finished:
        raise ActivityInvalidTransition()
    query = select(Signup).where(Signup.activity_id == activity.id, Signup.status == SignupStatus.signed_up)
    if retry:
        query = query.where(Signup.credited_minutes.is_(None))
    signups = (await db.execute(query.order_by(Signup.user_id).with_for_update())).scalars().all()
    if retry and not signups:
        raise AlreadySettled()
    credits: list[Credit] = []
    exceptions: list[SettlementException] = []
    for signup in signups:
        minutes = credited_minutes(activity, signup)
        credit = Credit(
            user_id=signup.user_id, minutes=minutes, points=activity.points_reward if minutes > 0 else 0
        )
        try:
            async with db.begin_nested():
                await _credit(db, who, activity, signup.user_id, credit)
        except DomainError as exc:
            message = exc.detail if exc.detail is not None else exc.message
            text = message if isinstance(message, str) else message.zh
            exceptions.append(SettlementException(**credit.model_dump(), code=exc.code, detail=text))
            continue
        signup.credited_minutes = credit.minutes
        signup.credited_points = credit.points
        if minutes > 0:
            credits.append(credit)
            await notify(
                db,
                user_id=signup.user_id,
                kind="volunteer.hours_credited",
                title="志愿时长已到账",
                body=f"「{activity.title}」已结算：时长 {minutes} 分钟"
                + (f"，积分 {credit.points}" if credit.points else "")
                + "。",
                link="/wallet",
                data={"activity_id": str(activity.id), "minutes": minutes, "points": credit.points},
            )
    if not retry:
        activity.status = ActivityStatus.settled
        activity.settled_at = clock.now()
        activity.settled_by = who.id
    await audit.record(
        db,
        actor_id=who.id,
        action="activity.settle_retry" if retry else "activity.settle",
        target_type="activity",
        target_id=activity.id,
        community_id=activity.community_id,
        attendees=len(credits),
        exceptions=len(exceptions),
        exception_users=",".join(str(e.user_id) for e in exceptions) or None,
    )
    await db.flush()
    return SettlementOut(
        activity_id=activity.id,
        status=activity.status,
        attendees=len(credits),
        minutes_credited=sum(c.minutes for c in credits),
        points_credited=sum(c.points for c in credits),
        credits=credits,
        exceptions=exceptions,
    )
