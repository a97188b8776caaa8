"""Volunteer activities (志愿活动): publish, sign up, check in and out with a rotating code, settle.

Rules chosen where the issue is silent:
- check-in is open from CHECKIN_TOLERANCE before the start until the end; check-out from the start
  until CHECKIN_TOLERANCE after the end; each once;
- the organiser's code changes every ROTATE_SECONDS; the previous one is still accepted for
  GRACE_SECONDS after it rotates (a volunteer scanning at the turn of the minute is not refused);
  a code is an HMAC of the activity id and the time window, so it is worthless for other activities;
- settlement credits min(actual minutes, minutes_reward) (whole minutes, rounded down; minutes_reward is
  at most the planned length) and the points reward to every volunteer with both a check-in and a
  check-out; volunteers without a check-out earn nothing (staff can fix attendance before settling);
- rewards come from the community's issuance accounts through the ledger, each with an idempotency
  key per (activity, volunteer, asset), under the activity's row lock: exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import DomainError, _
from app.core.pagination import Page, PageParams, page_of
from app.core.ratelimit import Limiter, attempt
from app.identity import service as identity
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.ledger import service as ledger
from app.models.identity import User
from app.models.ledger import Asset, TransferKind
from app.models.volunteering import Activity, ActivityStatus, Signup, SignupStatus
from app.notifications.service import notify
from app.platform import audit
from app.volunteering.errors import (
    ActivityFull,
    ActivityInvalidTransition,
    ActivityNotFound,
    AlreadyCheckedIn,
    AlreadyCheckedOut,
    AlreadySettled,
    AlreadySignedUp,
    BadTimes,
    CapacityBelowSignups,
    CodeExpired,
    CodeInvalid,
    NotCheckedIn,
    NotSignedUp,
    OutsideWindow,
    SignupClosed,
    WithdrawClosed,
)
from app.volunteering.schemas import ActivityIn, ActivityPatch, AttendanceIn

ROTATE_SECONDS = 60
GRACE_SECONDS = 30
CHECKIN_TOLERANCE = timedelta(minutes=30)
# A code is 6 digits of HMAC and 2 digits naming its window (window mod 100): verifying costs one
# HMAC whatever the code, and a code up to 100 windows old is recognised as "expired", not wrong.
WINDOW_DIGITS = 100
# Wrong codes (matching nothing) allowed per volunteer per activity, and per activity, in a window.
WRONG_CODES_PER_USER = 10
WRONG_CODES_PER_ACTIVITY = 300
WRONG_CODES_WINDOW_SECONDS = 600


# ---------------------------------------------------------------------------------------- reading


def _visible(who: Principal, activity: Activity) -> bool:
    if who.is_staff_of(activity.community_id):
        return True
    return activity.community_id == who.community_id and activity.status is not ActivityStatus.draft


async def _load(db: AsyncSession, who: Principal, activity_id: uuid.UUID, *, lock: bool = False) -> Activity:
    query = select(Activity).where(Activity.id == activity_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    activity = (await db.execute(query)).scalar_one_or_none()
    if activity is None or not _visible(who, activity):
        raise ActivityNotFound()
    return activity


async def _load_staff(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, *, lock: bool = False
) -> Activity:
    activity = await _load(db, who, activity_id, lock=lock)
    if not who.is_staff_of(activity.community_id):
        raise ActivityNotFound()
    return activity


async def _signup(
    db: AsyncSession, activity_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Signup | None:
    query = select(Signup).where(Signup.activity_id == activity_id, Signup.user_id == user_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await db.execute(query)).scalar_one_or_none()


def _out(activity: Activity, signup: Signup | None = None) -> dict[str, Any]:
    return {
        **{
            c: getattr(activity, c)
            for c in (
                "id",
                "community_id",
                "organiser_id",
                "title",
                "description",
                "location",
                "start_at",
                "end_at",
                "capacity",
                "signed_up",
                "minutes_reward",
                "points_reward",
                "signup_deadline",
                "status",
                "cancel_reason",
            )
        },
        "remaining": max(0, activity.capacity - activity.signed_up),
        "my_signup": signup,
    }


async def get_activity(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> dict[str, Any]:
    activity = await _load(db, who, activity_id)
    return _out(activity, await _signup(db, activity.id, who.id))


async def list_activities(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: ActivityStatus | None = None,
    upcoming: bool = False,
) -> Page[Any]:
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
        return Page[Any](items=[], next_cursor=None)
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
    return Page[Any](items=[_out(a) for a in page.items], next_cursor=page.next_cursor)


async def volunteers(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> list[dict[str, Any]]:
    """Staff: who signed up, with attendance (phones unmasked: staff are authorised)."""
    activity = await _load_staff(db, who, activity_id)
    rows = (
        await db.execute(
            select(Signup, User.name, User.phone)
            .join(User, User.id == Signup.user_id)
            .where(Signup.activity_id == activity.id)
            .order_by(Signup.created_at, Signup.id)
        )
    ).all()
    out = []
    for signup, name, phone in rows:
        out.append(
            {
                **{c.key: getattr(signup, c.key) for c in Signup.__table__.columns},
                "name": name,
                "phone": phone,
            }
        )
    return out


# ---------------------------------------------------------------------------------------- staff edits


def _planned_minutes(start_at: datetime, end_at: datetime) -> int:
    return int((end_at - start_at).total_seconds() // 60)


def _validate(activity: Activity) -> None:
    if activity.end_at <= activity.start_at:
        raise BadTimes(_("结束时间必须晚于开始时间", "end_at must be after start_at"))
    if activity.signup_deadline > activity.start_at:
        raise BadTimes(_("报名截止时间不能晚于开始时间", "signup_deadline cannot be after start_at"))
    if activity.minutes_reward > _planned_minutes(activity.start_at, activity.end_at):
        raise BadTimes(_("时长奖励不能超过活动时长", "minutes_reward cannot exceed the planned length"))


async def create_activity(db: AsyncSession, who: Principal, body: ActivityIn) -> dict[str, Any]:
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
        else _planned_minutes(body.start_at, body.end_at),
        points_reward=body.points_reward,
        signup_deadline=body.signup_deadline or body.start_at,
        status=ActivityStatus.draft,
        signed_up=0,
    )
    _validate(activity)
    db.add(activity)
    await db.flush()
    return _out(activity)


async def update_activity(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, body: ActivityPatch
) -> dict[str, Any]:
    activity = await _load_staff(db, who, activity_id, lock=True)
    if activity.status not in (ActivityStatus.draft, ActivityStatus.published):
        raise ActivityInvalidTransition()
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "capacity" in changes and changes["capacity"] < activity.signed_up:
        raise CapacityBelowSignups()
    for key, value in changes.items():
        setattr(activity, key, value)
    if ("start_at" in changes or "end_at" in changes) and "minutes_reward" not in changes:
        activity.minutes_reward = min(
            activity.minutes_reward, _planned_minutes(activity.start_at, activity.end_at)
        )
    _validate(activity)
    await db.flush()
    return _out(activity)


async def publish(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> dict[str, Any]:
    activity = await _load_staff(db, who, activity_id, lock=True)
    if activity.status is not ActivityStatus.draft or activity.end_at <= clock.now():
        raise ActivityInvalidTransition()
    activity.status = ActivityStatus.published
    await db.flush()
    return _out(activity)


async def cancel(db: AsyncSession, who: Principal, activity_id: uuid.UUID, reason: str) -> dict[str, Any]:
    """Cancel a draft or published activity; every signed-up volunteer is told."""
    activity = await _load_staff(db, who, activity_id, lock=True)
    if activity.status not in (ActivityStatus.draft, ActivityStatus.published):
        raise ActivityInvalidTransition()
    activity.status = ActivityStatus.cancelled
    activity.cancel_reason = reason or None
    signed = (
        await db.execute(
            select(Signup.user_id).where(
                Signup.activity_id == activity.id, Signup.status == SignupStatus.signed_up
            )
        )
    ).scalars()
    when = clock.local_text(activity.start_at, clock.SHORT)
    for user_id in signed:
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
    return _out(activity)


async def finish(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> dict[str, Any]:
    activity = await _load_staff(db, who, activity_id, lock=True)
    if activity.status is not ActivityStatus.published or clock.now() < activity.start_at:
        raise ActivityInvalidTransition()
    activity.status = ActivityStatus.finished
    await db.flush()
    return _out(activity)


# ---------------------------------------------------------------------------------------- sign-ups


async def sign_up(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> Signup:
    """Take a place; the activity row lock makes capacity exact under concurrency."""
    activity = await _load(db, who, activity_id, lock=True)
    if activity.community_id != who.community_id:
        raise ActivityNotFound()
    if activity.status is not ActivityStatus.published:
        raise ActivityInvalidTransition()
    if clock.now() >= activity.signup_deadline:
        raise SignupClosed()
    signup = await _signup(db, activity.id, who.id)
    if signup is not None and signup.status is SignupStatus.signed_up:
        raise AlreadySignedUp()
    if activity.signed_up >= activity.capacity:
        raise ActivityFull()
    if signup is None:
        signup = Signup(id=uuid.uuid4(), activity_id=activity.id, user_id=who.id, created_at=clock.now())
        db.add(signup)
    signup.status = SignupStatus.signed_up
    signup.withdrawn_at = None
    activity.signed_up += 1
    await db.flush()
    return signup


async def withdraw(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> Signup:
    activity = await _load(db, who, activity_id, lock=True)
    signup = await _signup(db, activity.id, who.id)
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
    return signup


# ---------------------------------------------------------------------------------------- check-in


def _window(at: datetime) -> int:
    return int(at.timestamp()) // ROTATE_SECONDS


def _code(key: bytes, activity_id: uuid.UUID, window: int) -> str:
    mac = hmac.new(key, f"linli-checkin:{activity_id}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 10**6:06d}{window % WINDOW_DIGITS:02d}"


async def checkin_code(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, secret: bytes
) -> dict[str, Any]:
    """The organiser's current code (shown as a QR on their phone; new every minute)."""
    activity = await _load_staff(db, who, activity_id)
    if activity.status not in (ActivityStatus.published, ActivityStatus.finished):
        raise ActivityInvalidTransition()
    now = clock.now()
    window = _window(now)
    expires = datetime.fromtimestamp((window + 1) * ROTATE_SECONDS, tz=now.tzinfo)
    return {
        "code": _code(secret, activity.id, window),
        "expires_at": expires,
        "valid_until": expires + timedelta(seconds=GRACE_SECONDS),
        "rotates_every_seconds": ROTATE_SECONDS,
    }


def verify_code(secret: bytes, activity_id: uuid.UUID, code: str, now: datetime) -> None:
    """Accept the current code, or the previous one within the grace period; say why otherwise.

    Constant work: the last two digits name the window, so exactly one HMAC is computed for any code.
    """
    code = code.strip()
    if not (code.isdigit() and len(code) == 8):
        raise CodeInvalid()
    window = _window(now)
    # The latest window at or before now whose number ends in the code's two digits.
    claimed = window - (window - int(code[6:])) % WINDOW_DIGITS
    if not hmac.compare_digest(code, _code(secret, activity_id, claimed)):
        raise CodeInvalid()
    into_window = int(now.timestamp()) - window * ROTATE_SECONDS
    if claimed == window or (claimed == window - 1 and into_window < GRACE_SECONDS):
        return
    raise CodeExpired()


async def _verify_counted(
    limiter: Limiter, who: Principal, activity: Activity, code: str, secret: bytes, now: datetime
) -> None:
    """Count the attempt first (per volunteer and per activity); only a code matching nothing stays
    counted, so a stale screenshot or a slow scan costs nothing (issue #18)."""
    keys = [
        (f"checkin:{activity.id}:{who.id}", WRONG_CODES_PER_USER, WRONG_CODES_WINDOW_SECONDS),
        (f"checkin:{activity.id}", WRONG_CODES_PER_ACTIVITY, WRONG_CODES_WINDOW_SECONDS),
    ]
    await attempt(limiter, keys, _("签到码错误次数过多，请稍后再试", "Too many wrong codes; try again later"))
    guessed = False
    try:
        verify_code(secret, activity.id, code, now)
    except CodeInvalid:
        guessed = True
        raise
    finally:
        if not guessed:
            for key, _limit, _window in keys:
                await limiter.undo(key)


async def _attendee(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> tuple[Activity, Signup]:
    activity = await _load(db, who, activity_id)
    if activity.status not in (ActivityStatus.published, ActivityStatus.finished):
        raise ActivityInvalidTransition()
    signup = await _signup(db, activity.id, who.id, lock=True)
    if signup is None or signup.status is not SignupStatus.signed_up:
        raise NotSignedUp()
    return activity, signup


async def check_in(
    db: AsyncSession, who: Principal, limiter: Limiter, activity_id: uuid.UUID, code: str, secret: bytes
) -> Signup:
    activity, signup = await _attendee(db, who, activity_id)
    now = clock.now()
    await _verify_counted(limiter, who, activity, code, secret, now)
    if not (activity.start_at - CHECKIN_TOLERANCE <= now <= activity.end_at):
        raise OutsideWindow()
    if signup.checked_in_at is not None:
        raise AlreadyCheckedIn()
    signup.checked_in_at = now
    await db.flush()
    return signup


async def check_out(
    db: AsyncSession, who: Principal, limiter: Limiter, activity_id: uuid.UUID, code: str, secret: bytes
) -> Signup:
    activity, signup = await _attendee(db, who, activity_id)
    now = clock.now()
    await _verify_counted(limiter, who, activity, code, secret, now)
    if not (activity.start_at <= now <= activity.end_at + CHECKIN_TOLERANCE):
        raise OutsideWindow()
    if signup.checked_in_at is None:
        raise NotCheckedIn()
    if signup.checked_out_at is not None:
        raise AlreadyCheckedOut()
    signup.checked_out_at = max(now, signup.checked_in_at)
    await db.flush()
    return signup


async def record_attendance(
    db: AsyncSession, who: Principal, activity_id: uuid.UUID, body: AttendanceIn
) -> Signup:
    """Staff mark attendance by hand (a volunteer without a phone, a forgotten scan); audited."""
    activity = await _load_staff(db, who, activity_id, lock=True)
    if activity.status not in (ActivityStatus.published, ActivityStatus.finished):
        raise ActivityInvalidTransition()
    if body.checked_out_at is not None and body.checked_out_at < body.checked_in_at:
        raise BadTimes(_("签退时间不能早于签到时间", "checked_out_at cannot be before checked_in_at"))
    latest = body.checked_out_at or body.checked_in_at
    if (
        body.checked_in_at < activity.start_at - CHECKIN_TOLERANCE
        or latest > activity.end_at + CHECKIN_TOLERANCE
    ):
        raise OutsideWindow()
    user = await db.get(User, body.user_id)
    if user is None or user.community_id != activity.community_id:
        raise NotSignedUp()
    signup = await _signup(db, activity.id, user.id, lock=True)
    if signup is None or signup.status is not SignupStatus.signed_up:
        # A walk-in volunteer: staff add them if a place is left.
        if activity.signed_up >= activity.capacity:
            raise ActivityFull()
        if signup is None:
            signup = Signup(id=uuid.uuid4(), activity_id=activity.id, user_id=user.id, created_at=clock.now())
            db.add(signup)
        signup.status = SignupStatus.signed_up
        signup.withdrawn_at = None
        activity.signed_up += 1
    signup.checked_in_at = body.checked_in_at
    signup.checked_out_at = body.checked_out_at
    signup.attendance_by = who.id
    await audit.record(
        db,
        actor_id=who.id,
        action="activity.attendance",
        target_type="activity",
        target_id=activity.id,
        community_id=activity.community_id,
        on_behalf_of=user.id,
        checked_in_at=body.checked_in_at.isoformat(),
        checked_out_at=body.checked_out_at.isoformat() if body.checked_out_at else None,
    )
    await db.flush()
    return signup


# ---------------------------------------------------------------------------------------- settlement


def credited_minutes(activity: Activity, signup: Signup) -> int:
    if signup.checked_in_at is None or signup.checked_out_at is None:
        return 0
    actual = int((signup.checked_out_at - signup.checked_in_at).total_seconds() // 60)
    cap = min(activity.minutes_reward, _planned_minutes(activity.start_at, activity.end_at))
    return max(0, min(actual, cap))


async def settle(db: AsyncSession, who: Principal, activity_id: uuid.UUID) -> dict[str, Any]:
    """Credit every attendee's minutes and points once (结算); a second call is already_settled.

    One attendee who cannot be credited (say a volunteer who moved to another community, whose wallet
    went along) does not block the others: each attendee is credited in a savepoint of their own, and
    the ones that failed come back as `exceptions` (and stay uncredited). Settling a settled activity
    again retries only those, once staff have sorted out the cause (issue #18).
    """
    activity = await _load_staff(db, who, activity_id, lock=True)
    retry = activity.status is ActivityStatus.settled
    if not retry and activity.status is not ActivityStatus.finished:
        raise ActivityInvalidTransition()
    query = select(Signup).where(Signup.activity_id == activity.id, Signup.status == SignupStatus.signed_up)
    if retry:
        query = query.where(Signup.credited_minutes.is_(None))
    signups = (await db.execute(query.order_by(Signup.user_id).with_for_update())).scalars().all()
    if retry and not signups:
        raise AlreadySettled()
    credits: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    for signup in signups:
        minutes = credited_minutes(activity, signup)
        points = activity.points_reward if minutes > 0 else 0
        try:
            async with db.begin_nested():
                for asset, amount in ((Asset.hours, minutes), (Asset.points, points)):
                    if amount <= 0:
                        continue
                    await ledger.transfer(
                        db,
                        debit=await ledger.system_account(db, activity.community_id, "issuance", asset),
                        credit=await ledger.user_account(
                            db,
                            signup.user_id,
                            asset,
                            community_id=(await identity.get_user(db, signup.user_id)).community_id,
                        ),
                        amount=amount,
                        kind=TransferKind.volunteer_reward,
                        reference=f"activity:{activity.id}",
                        idempotency_key=f"activity:{activity.id}:{signup.user_id}:{asset.value}",
                        actor_id=who.id,
                        memo=activity.title[:200],
                    )
        except DomainError as exc:
            message = exc.detail if exc.detail is not None else exc.message
            text = message if isinstance(message, str) else message.zh
            exceptions.append(
                {
                    "user_id": signup.user_id,
                    "minutes": minutes,
                    "points": points,
                    "code": exc.code,
                    "detail": text,
                }
            )
            continue
        signup.credited_minutes = minutes
        signup.credited_points = points
        if minutes > 0:
            credits.append({"user_id": signup.user_id, "minutes": minutes, "points": points})
            await notify(
                db,
                user_id=signup.user_id,
                kind="volunteer.hours_credited",
                title="志愿时长已到账",
                body=f"「{activity.title}」已结算：时长 {minutes} 分钟"
                + (f"，积分 {points}" if points else "")
                + "。",
                link="/wallet",
                data={"activity_id": str(activity.id), "minutes": minutes, "points": points},
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
        exception_users=",".join(str(e["user_id"]) for e in exceptions) or None,
    )
    await db.flush()
    return {
        "activity_id": activity.id,
        "status": activity.status,
        "attendees": len(credits),
        "minutes_credited": sum(c["minutes"] for c in credits),
        "points_credited": sum(c["points"] for c in credits),
        "credits": credits,
        "exceptions": exceptions,
    }


REMIND_AHEAD = timedelta(hours=24)


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
                    Activity.start_at <= now + REMIND_AHEAD,
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
        volunteers = (
            await db.execute(
                select(Signup.user_id).where(
                    Signup.activity_id == activity.id, Signup.status == SignupStatus.signed_up
                )
            )
        ).scalars()
        for user_id in volunteers:
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
