"""Volunteering builders: activities in a given state, sign-ups, a clock on a code-window boundary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import OrgUnit, User
from app.models.volunteering import Activity, ActivityStatus, Signup, SignupStatus


def freeze_on_minute(offset_seconds: int = 5) -> datetime:
    """Freeze the clock a little after the next whole minute (codes rotate on minute boundaries).

    Time only moves forward from the real now: access tokens are also checked against the real clock.
    """
    now = datetime.now(UTC)
    at = now.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=offset_seconds)
    clock.freeze(at)
    return at


async def make_activity(
    db: AsyncSession,
    community: OrgUnit,
    organiser: User,
    *,
    starts_in: timedelta = timedelta(minutes=10),
    length: timedelta = timedelta(hours=1),
    capacity: int = 10,
    points_reward: int = 20,
    minutes_reward: int | None = None,
    status: ActivityStatus = ActivityStatus.published,
    title: str = "社区清洁日",
) -> Activity:
    start = clock.now() + starts_in
    activity = Activity(
        id=uuid.uuid4(),
        community_id=community.id,
        organiser_id=organiser.id,
        title=title,
        location="社区广场",
        start_at=start,
        end_at=start + length,
        capacity=capacity,
        minutes_reward=minutes_reward if minutes_reward is not None else int(length.total_seconds() // 60),
        points_reward=points_reward,
        signup_deadline=start,
        status=status,
        signed_up=0,
    )
    db.add(activity)
    await db.flush()
    return activity


async def make_signup(db: AsyncSession, activity: Activity, user: User) -> Signup:
    signup = Signup(id=uuid.uuid4(), activity_id=activity.id, user_id=user.id, status=SignupStatus.signed_up)
    activity.signed_up += 1
    db.add(signup)
    await db.flush()
    return signup
