"""Volunteer activities (志愿活动): reading, staff edits (draft → published → finished / cancelled) and
sign-ups (报名). Check-in and check-out are in `attendance.py`, settlement (结算) in `settlement.py`, the
reminder job in `jobs.py`; the numbers they use in `config.py` (LINLI_VOLUNTEERING_*).

Every function here returns the schema the router sends (`ActivityOut`, `SignupOut`, `VolunteerOut`);
`load`, `load_staff`, `signup_of` and `take_place` serve the other modules of the domain.

The capacity rule lives in `take_place` alone: a place is taken under the activity's row lock, only
while one is left, whoever takes it (the volunteer signing up, or staff adding a walk-in).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import _
from app.core.pagination import Page, PageParams, page_of
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.identity import User
from app.models.volunteering import Activity, ActivityStatus, Signup, SignupStatus
from app.notifications.service import notify
from app.platform import audit
from app.volunteering.errors import (
    ActivityFull,
    ActivityInvalidTransition,
    ActivityNotFound,
    AlreadySignedUp,
    BadTimes,
    CapacityBelowSignups,
    NotSignedUp,
    SignupClosed,
    WithdrawClosed,
)
from app.volunteering.schemas import ActivityIn, ActivityOut, ActivityPatch, MySignup, SignupOut, VolunteerOut

# ---------------------------------------------------------------------------------------- reading


def _visible(who: Principal, activity: Activity) -> bool:
    if who.is_staff_of(activity.community_id):
        return True
    return activity.community_id == who.community_id and activity.status is not ActivityStatus.draft


async def load(db: AsyncSession, who: Principal, activity_id: uuid.UUID, *, lock: bool = False) -> Activity:
    query = select(Activity).where(Activity.id == activity_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    activity = (await db.execute(query)).scalar_one_or_none()
    if activity is None or not _visible(who, activity):
        raise ActivityNotFound()
    return activity


async def load_staff(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, *, lock: bool = False
) -> Activity:
    activity = await load(db, who, activity_id, lock=lock)
    if not who.is_staff_of(activity.community_id):
        raise ActivityNotFound()
    return activity


async def signup_of(
    db: AsyncSession, activity_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Signup | None:
    query = select(Signup).where(Signup.activity_id == activity_id, Signup.user_id == user_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await db.execute(query)).scalar_one_or_none()


def activity_out(activity: Activity, signup: Signup | None = None) -> ActivityOut:
    columns = {
        name: getattr(activity, name)
        for name in ActivityOut.model_fields
        if name not in ("remaining", "my_signup")
    }
    return ActivityOut(
        **columns,
        remaining=max(0, activity.capacity - activity.signed_up),
        my_signup=MySignup.model_validate(signup) if signup is not None else None,
    )


async def get_activity(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> ActivityOut:
    activity = await load(db, who, activity_id)
    return activity_out(activity, await signup_of(db, activity.id, who.id))


async def list_activities(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: ActivityStatus | None = None,
    upcoming: bool = False,
) -> Page[ActivityOut]:
    """Staff: every activity of their communities; residents: their community's published ones."""
    position = params.after(datetime, uuid.UUID)
    communities = set(who.staff_communities)
    resident_scope = Activity.community_id == who.community_id
    query = select(Activity)
    if communities:
        scope: ColumnElement[bool] = Activity.community_id.in_(communities)
        if who.community_id is not None and who.community_id not in communities:
            scope = or_(scope, and_(resident_scope, Activity.status != ActivityStatus.draft))
        query = query.where(scope)
    elif who.community_id is not None:
        query = query.where(resident_scope, Activity.status != ActivityStatus.draft)
    else:
        return Page[ActivityOut](items=[], next_cursor=None)
    if status is not None:
        query = query.where(Activity.status == status)
    if upcoming:
        query = query.where(Activity.end_at >= clock.now())
    if position is not None:
        at, last = position
        query = query.where(or_(Activity.start_at > at, and_(Activity.start_at == at, Activity.id > last)))
    rows = (
        (await db.execute(query.order_by(Activity.start_at, Activity.id).limit(params.limit + 1)))
        .scalars()
        .all()
    )
    page = page_of(list(rows), params, lambda a: [a.start_at.isoformat(), str(a.id)])
    return Page[ActivityOut](items=[activity_out(a) for a in page.items], next_cursor=page.next_cursor)


async def volunteers(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> list[VolunteerOut]:
    """Staff: who signed up, with attendance (phones unmasked: staff are authorised)."""
    activity = await load_staff(db, who, activity_id)
    rows = (
        await db.execute(
            select(Signup, User.name, User.phone)
            .join(User, User.id == Signup.user_id)
            .where(Signup.activity_id == activity.id)
            .order_by(Signup.created_at, Signup.id)
        )
    ).all()
    return [
        VolunteerOut(**SignupOut.model_validate(signup).model_dump(), name=name, phone=phone)
        for signup, name, phone in rows
    ]


# ---------------------------------------------------------------------------------------- staff edits


def planned_minutes(start_at: datetime, end_at: datetime) -> int:
    return int((end_at - start_at).total_seconds() // 60)


def _validate(activity: Activity) -> None:
    if activity.end_at <= activity.start_at:
        raise BadTimes(_("结束时间必须晚于开始时间", "end_at must be after start_at"))
    if activity.signup_deadline > activity.start_at:
        raise BadTimes(_("报名截止时间不能晚于开始时间", "signup_deadline cannot be after start_at"))
    if activity.minutes_reward > planned_minutes(activity.start_at, activity.end_at):
        raise BadTimes(_("时长奖励不能超过活动时长", "minutes_reward cannot exceed the planned length"))


async def create_activity(db: AsyncSession, who: Principal, body: ActivityIn) -> ActivityOut:
    community_id = acting_community(who, body.community_id)
    activity = Activity(
        id=uuid.uuid4(),
        community_id=community_id,
        organiser_id=who.id,
        title=body.title,
        description=body.description,
        location=body.location,
        start_at=body.start_at,
        end_at=body.end_at,
        capacity=body.capacity,
        minutes_reward=body.minutes_reward
        if body.minutes_reward is not None
        else planned_minutes(body.start_at, body.end_at),
        points_reward=body.points_reward,
        signup_deadline=body.signup_deadline or body.start_at,
        status=ActivityStatus.draft,
        signed_up=0,
    )
    _validate(activity)
    db.add(activity)
    await db.flush()
    return activity_out(activity)


async def update_activity(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, body: ActivityPatch
) -> ActivityOut:
    activity = await load_staff(db, who, activity_id, lock=True)
    if activity.status not in (ActivityStatus.draft, ActivityStatus.published):
        raise ActivityInvalidTransition()
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "capacity" in changes and changes["capacity"] < activity.signed_up:
        raise CapacityBelowSignups()
    for key, value in changes.items():
        setattr(activity, key, value)
    if ("start_at" in changes or "end_at" in changes) and "minutes_reward" not in changes:
        activity.minutes_reward = min(
            activity.minutes_reward, planned_minutes(activity.start_at, activity.end_at)
        )
    _validate(activity)
    await db.flush()
    return activity_out(activity)


async def publish(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> ActivityOut:
    activity = await load_staff(db, who, activity_id, lock=True)
    if activity.status is not ActivityStatus.draft or activity.end_at <= clock.now():
        raise ActivityInvalidTransition()
    activity.status = ActivityStatus.published
    await db.flush()
    return activity_out(activity)


async def signed_up_users(db: AsyncSession, activity_id: uuid.UUID) -> list[uuid.UUID]:
    """The volunteers holding a place (told when it is cancelled, reminded before it starts)."""
    rows = await db.execute(
        select(Signup.user_id).where(
            Signup.activity_id == activity_id, Signup.status == SignupStatus.signed_up
        )
    )
    return list(rows.scalars())


async def cancel(db: AsyncSession, who: Principal, activity_id: uuid.UUID, reason: str) -> ActivityOut:
    """Cancel a draft or published activity; every signed-up volunteer is told."""
    activity = await load_staff(db, who, activity_id, lock=True)
    if activity.status not in (ActivityStatus.draft, ActivityStatus.published):
        raise ActivityInvalidTransition()
    activity.status = ActivityStatus.cancelled
    activity.cancel_reason = reason or None
    when = clock.local_text(activity.start_at, clock.SHORT)
    for user_id in await signed_up_users(db, activity.id):
        await notify(
            db,
            user_id=user_id,
            kind="activity.cancelled",
            title=f"活动已取消：{activity.title}",
            body=f"您报名的「{activity.title}」（{when}）已取消。{('原因：' + reason) if reason else ''}",
            link=f"/activities/{activity.id}",
            data={"activity_id": str(activity.id)},
        )
    await audit.record(
        db,
        actor_id=who.id,
        action="activity.cancel",
        target_type="activity",
        target_id=activity.id,
        community_id=activity.community_id,
        reason=reason,
    )
    await db.flush()
    return activity_out(activity)


async def finish(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> ActivityOut:
    activity = await load_staff(db, who, activity_id, lock=True)
    if activity.status is not ActivityStatus.published or clock.now() < activity.start_at:
        raise ActivityInvalidTransition()
    activity.status = ActivityStatus.finished
    await db.flush()
    return activity_out(activity)


# ---------------------------------------------------------------------------------------- sign-ups


def take_place(db: AsyncSession, activity: Activity, user_id: uuid.UUID, signup: Signup | None) -> Signup:
    """The capacity rule (activity row locked by the caller): a place only while one is left."""
    if activity.signed_up >= activity.capacity:
        raise ActivityFull()
    if signup is None:
        signup = Signup(id=uuid.uuid4(), activity_id=activity.id, user_id=user_id, created_at=clock.now())
        db.add(signup)
    signup.status = SignupStatus.signed_up
    signup.withdrawn_at = None
    activity.signed_up += 1
    return signup


async def sign_up(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> SignupOut:
    """Take a place; the activity row lock makes capacity exact under concurrency."""
    activity = await load(db, who, activity_id, lock=True)
    if activity.community_id != who.community_id:
        raise ActivityNotFound()
    if activity.status is not ActivityStatus.published:
        raise ActivityInvalidTransition()
    if clock.now() >= activity.signup_deadline:
        raise SignupClosed()
    signup = await signup_of(db, activity.id, who.id)
    if signup is not None and signup.status is SignupStatus.signed_up:
        raise AlreadySignedUp()
    signup = take_place(db, activity, who.id, signup)
    await db.flush()
    return SignupOut.model_validate(signup)


async def withdraw(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> SignupOut:
    activity = await load(db, who, activity_id, lock=True)
    signup = await signup_of(db, activity.id, who.id)
    if signup is None or signup.status is not SignupStatus.signed_up:
        raise NotSignedUp()
    if (
        activity.status is not ActivityStatus.published
        or clock.now() >= activity.start_at
        or signup.checked_in_at
    ):
        raise WithdrawClosed()
    signup.status = SignupStatus.withdrawn
    signup.withdrawn_at = clock.now()
    activity.signed_up -= 1
    await db.flush()
    return SignupOut.model_validate(signup)
