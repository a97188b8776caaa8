"""Periodic jobs of volunteering (scheduled by the worker, issue #7)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.periodic import periodic
from app.models.volunteering import Activity, ActivityStatus
from app.notifications.service import notify
from app.volunteering.config import rules
from app.volunteering.service import signed_up_users


@periodic("volunteering.remind_upcoming", "*/5 * * * *")
async def remind_upcoming(db: AsyncSession, now: datetime) -> int:
    """Remind signed-up volunteers of activities starting within a day (活动提醒), once per activity.

    Rows are claimed with SKIP LOCKED and stamped in the same transaction, so two workers never
    remind twice. Returns how many reminders were sent.
    """
    due = (
        (
            await db.execute(
                select(Activity)
                .where(
                    Activity.status == ActivityStatus.published,
                    Activity.reminded_at.is_(None),
                    Activity.start_at > now,
                    Activity.start_at <= now + timedelta(hours=rules().remind_ahead_hours),
                )
                .order_by(Activity.start_at)
                .limit(200)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    sent = 0
    for activity in due:
        activity.reminded_at = now
        when = clock.local_text(activity.start_at, clock.SHORT)
        for user_id in await signed_up_users(db, activity.id):
            await notify(
                db,
                user_id=user_id,
                kind="activity.reminder",
                title=f"活动提醒：{activity.title}",
                body=f"您报名的「{activity.title}」将于 {when} 在 {activity.location} 开始，请准时签到。",
                link=f"/activities/{activity.id}",
                data={"activity_id": str(activity.id)},
            )
            sent += 1
    await db.flush()
    return sent
