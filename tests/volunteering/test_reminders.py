"""Activity reminders: signed-up volunteers are told the day before, once, and nobody else is."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.periodic import load_all
from app.models.notifications import Notification
from app.models.volunteering import ActivityStatus
from app.volunteering.jobs import remind_upcoming
from tests.support.factories import World
from tests.support.volunteering import make_activity, make_signup


async def _reminders(db: AsyncSession) -> list[Notification]:
    return list(
        (await db.execute(select(Notification).where(Notification.kind == "activity.reminder"))).scalars()
    )


async def test_volunteers_are_reminded_once_the_day_before(db: AsyncSession, world: World) -> None:
    activity = await make_activity(db, world.community, world.staff, starts_in=timedelta(hours=30))
    await make_signup(db, activity, world.resident)
    await make_signup(db, activity, world.neighbour)

    assert await remind_upcoming(db, clock.now()) == 0  # 30 h ahead: not yet
    later = clock.now() + timedelta(hours=7)
    assert await remind_upcoming(db, later) == 2
    assert await remind_upcoming(db, later + timedelta(minutes=5)) == 0  # never twice
    notes = await _reminders(db)
    assert {n.user_id for n in notes} == {world.resident.id, world.neighbour.id}
    assert "活动提醒" in notes[0].title


async def test_withdrawn_and_unpublished_are_not_reminded(db: AsyncSession, world: World) -> None:
    draft = await make_activity(
        db, world.community, world.staff, starts_in=timedelta(hours=2), status=ActivityStatus.draft
    )
    await make_signup(db, draft, world.resident)
    live = await make_activity(db, world.community, world.staff, starts_in=timedelta(hours=2))
    signup = await make_signup(db, live, world.neighbour)
    signup.status = signup.status.__class__.withdrawn
    await db.flush()
    assert await remind_upcoming(db, clock.now()) == 0
    assert await _reminders(db) == []


def test_the_reminder_is_a_registered_periodic_job() -> None:
    assert "volunteering.remind_upcoming" in load_all()
