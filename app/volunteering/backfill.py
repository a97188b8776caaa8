"""补录: staff record a past activity and its attendance from the paper sign-in sheet.

An activity whose end has passed cannot be published, so a centre that ran one on paper (no phones, no
codes) could never credit its volunteers. Here staff enter it afterwards:

- within a look-back (`LINLI_VOLUNTEERING_BACKFILL_DAYS`, counted in Shanghai days from its start), and
  only once it has ended;
- together with its sheet: every attendee with a check-in and a check-out (residents of the community,
  each once); the activity is created already `finished`, with the attendance marked as by hand;
- naming the paper record it came from (`source`, e.g. the sheet's number), kept on the activity and in
  the audit log (`activity.backfill`);
- once: the same title and start in the same community cannot be recorded twice (checked first, and
  backed by the partial unique index `uq_activities_backfill` for racing submissions);
- then settled by the ordinary `POST /activities/{id}/settle`, so the settle-once rule (one ledger
  transfer per volunteer and asset, idempotency keys, `already_settled`) is exactly the same.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import _
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.identity import User
from app.models.volunteering import Activity, ActivityStatus, Signup, SignupStatus
from app.platform import audit
from app.volunteering.config import rules
from app.volunteering.errors import (
    BackfillBadAttendee,
    BackfillDuplicate,
    BackfillNotPast,
    BackfillTooOld,
    BadTimes,
)
from app.volunteering.schemas import BackfillIn, BackfillOut
from app.volunteering.service import _validate, activity_out


def _check_times(body: BackfillIn) -> None:
    if body.end_at <= body.start_at:
        raise BadTimes(_("结束时间必须晚于开始时间", "end_at must be after start_at"))
    if body.end_at > clock.now():
        raise BackfillNotPast()
    days = rules().backfill_days
    if clock.local_day(body.start_at) < clock.today() - timedelta(days=days):
        raise BackfillTooOld(
            _(f"只能补录 {days} 天内的活动", f"Only activities of the last {days} days can be recorded"),
            backfill_days=days,
        )
    for row in body.attendees:
        if row.checked_out_at < row.checked_in_at:
            raise BadTimes(_("签退时间不能早于签到时间", "checked_out_at cannot be before checked_in_at"))
        if row.checked_in_at < body.start_at - timedelta(
            hours=1
        ) or row.checked_out_at > body.end_at + timedelta(hours=1):
            raise BadTimes(
                _("签到签退时间须在活动时间附近", "Attendance must lie around the activity's times")
            )


async def _already_recorded(db: AsyncSession, community_id: uuid.UUID, body: BackfillIn) -> uuid.UUID | None:
    return (
        await db.execute(
            select(Activity.id).where(
                Activity.community_id == community_id,
                Activity.start_at == body.start_at,
                Activity.title == body.title,
                Activity.status != ActivityStatus.cancelled,
            )
        )
    ).scalar_one_or_none()


async def record_past_activity(db: AsyncSession, who: Principal, body: BackfillIn) -> BackfillOut:
    """Create a finished activity with its attendance from a paper sheet; settle it as any other."""
    community_id = acting_community(who, body.community_id)
    _check_times(body)
    ids = [row.user_id for row in body.attendees]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise BackfillBadAttendee(user_id=str(duplicate))
    found = set(
        (await db.execute(select(User.id).where(User.id.in_(ids), User.community_id == community_id)))
        .scalars()
        .all()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise BackfillBadAttendee(user_id=str(missing[0]))
    existing = await _already_recorded(db, community_id, body)
    if existing is not None:
        raise BackfillDuplicate(activity_id=str(existing))

    now = clock.now()
    planned = int((body.end_at - body.start_at).total_seconds() // 60)
    activity = Activity(
        id=uuid.uuid4(),
        community_id=community_id,
        organiser_id=who.id,
        title=body.title,
        description=body.description,
        location=body.location,
        start_at=body.start_at,
        end_at=body.end_at,
        capacity=max(body.capacity or 0, len(ids)),
        minutes_reward=body.minutes_reward if body.minutes_reward is not None else planned,
        points_reward=body.points_reward,
        signup_deadline=body.start_at,
        status=ActivityStatus.finished,
        signed_up=len(ids),
        backfilled_at=now,
        backfill_source=body.source,
    )
    _validate(activity)
    try:
        async with db.begin_nested():
            db.add(activity)
            await db.flush()
    except IntegrityError as exc:
        if "uq_activities_backfill" not in str(exc.orig):
            raise
        raise BackfillDuplicate(activity_id=str(await _already_recorded(db, community_id, body))) from None
    for row in body.attendees:
        db.add(
            Signup(
                id=uuid.uuid4(),
                activity_id=activity.id,
                user_id=row.user_id,
                status=SignupStatus.signed_up,
                created_at=now,
                checked_in_at=row.checked_in_at,
                checked_out_at=row.checked_out_at,
                attendance_by=who.id,
            )
        )
    await audit.record(
        db,
        actor_id=who.id,
        action="activity.backfill",
        target_type="activity",
        target_id=activity.id,
        community_id=community_id,
        source=body.source,
        attendees=len(ids),
        start_at=body.start_at.isoformat(),
        users=",".join(str(i) for i in ids),
    )
    await db.flush()
    return BackfillOut(
        **activity_out(activity).model_dump(),
        backfilled_at=now,
        backfill_source=body.source,
        attendees=len(ids),
    )
