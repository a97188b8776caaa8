"""Office hours (驻点服务): visiting officials and professionals on a recurring schedule.

Bookable places reuse the bookings domain through its service functions: office hours with a
capacity get a bookable service (`bookings.catalogue.create_service`) and one slot per session
(`bookings.catalogue.create_slots`), so residents book, cancel, join the waitlist and are checked in
with `POST /bookings` and friends, under the bookings rules (quotas, no-shows, reminders).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.bookings import catalogue as bookings
from app.bookings.schemas import ServiceIn, SlotIn, SlotsIn
from app.core import clock
from app.identity.principal import Principal, load_principal
from app.models.bookings import Audience
from app.models.identity import User
from app.models.service_items import OfficeHours, OfficeSession, Recurrence
from app.platform import audit
from app.service_items import catalogue, deadlines
from app.service_items.config import rules
from app.service_items.errors import InvalidResident, InvalidSchedule, NotStaff, OfficeHoursNotFound
from app.service_items.recurrence import Occurrence, Schedule, label, occurrences
from app.service_items.schemas import OfficeHoursIn, OfficeHoursOut, SessionOut


def schedule_of(oh: OfficeHours) -> Schedule:
    return Schedule(
        monthly=oh.recurrence is Recurrence.monthly,
        weekdays=tuple(oh.weekdays),
        weeks_of_month=tuple(oh.weeks_of_month),
        start_time=oh.start_time,
        end_time=oh.end_time,
        starts_on=oh.starts_on,
        until=oh.until,
    )


def bounds(oh: OfficeHours, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, oh.start_time, tzinfo=clock.SHANGHAI)
    end = datetime.combine(day, oh.end_time, tzinfo=clock.SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def sessions_between(oh: OfficeHours, start: date, end: date) -> list[Occurrence]:
    try:
        return occurrences(schedule_of(oh), start, end)
    except ValueError as exc:
        raise InvalidSchedule(f"at most {rules().recurrence_max_days} days") from exc


async def load(db: AsyncSession, who: Principal, oh_id: uuid.UUID, *, lock: bool = False) -> OfficeHours:
    query = select(OfficeHours).where(OfficeHours.id == oh_id)
    if lock:
        query = query.with_for_update()
    oh = (await db.execute(query)).scalar_one_or_none()
    if oh is None or oh.community_id not in catalogue.readable_communities(who):
        raise OfficeHoursNotFound()
    if not oh.active and not who.is_staff_of(oh.community_id):
        raise OfficeHoursNotFound()
    return oh


async def _upcoming(
    db: AsyncSession, who: Principal, oh: OfficeHours, start: date, end: date
) -> list[SessionOut]:
    found = sessions_between(oh, start, end)
    slots: dict[datetime, tuple[uuid.UUID, int]] = {}
    if oh.booking_service_id is not None and found:
        first, _ = bounds(oh, found[0].day)
        _, last = bounds(oh, found[-1].day)
        for view in await bookings.list_slots(db, who, oh.booking_service_id, start=first, end=last):
            slots[view.start_at] = (view.id, view.remaining)
    out = []
    for occ in found:
        begin, finish = bounds(oh, occ.day)
        slot = slots.get(begin)
        out.append(
            SessionOut(
                day=occ.day,
                start_at=begin,
                end_at=finish,
                moved_from=occ.moved_from,
                slot_id=slot[0] if slot else None,
                remaining=slot[1] if slot else None,
            )
        )
    return out


async def out(db: AsyncSession, who: Principal, oh: OfficeHours, *, upcoming: bool = True) -> OfficeHoursOut:
    today = deadlines.today()
    return OfficeHoursOut(
        id=oh.id,
        community_id=oh.community_id,
        official_id=oh.official_id,
        official_name=oh.official_name,
        official_title=oh.official_title,
        topic=oh.topic,
        title=oh.title,
        location=oh.location,
        schedule_label=label(schedule_of(oh)),
        recurrence=oh.recurrence,
        weekdays=list(oh.weekdays),
        weeks_of_month=list(oh.weeks_of_month),
        start_time=oh.start_time,
        end_time=oh.end_time,
        starts_on=oh.starts_on,
        until=oh.until,
        capacity=oh.capacity,
        booking_service_id=oh.booking_service_id,
        active=oh.active,
        upcoming=await _upcoming(db, who, oh, today, today + timedelta(days=rules().upcoming_days))
        if upcoming
        else [],
    )


async def create(db: AsyncSession, who: Principal, body: OfficeHoursIn) -> OfficeHoursOut:
    community_id = catalogue.write_community(who, body.community_id)
    if body.official_id is not None and await db.get(User, body.official_id) is None:
        raise InvalidResident()
    oh = OfficeHours(
        id=uuid.uuid4(),
        community_id=community_id,
        created_by=who.id,
        **body.model_dump(exclude={"community_id"}),
    )
    if body.capacity > 0:
        service = await bookings.create_service(
            db,
            who,
            ServiceIn(
                community_id=community_id,
                name=f"{body.title}（{body.official_name}）"[:100],
                category="驻点服务",
                description=f"{body.official_title} {body.official_name}：{label(schedule_of(oh))}",
                provider_name=body.official_name,
                location=body.location,
                audience=Audience.residents,
                opens_days_ahead=14,
                closes_minutes_before=0,
                cancel_before_minutes=60,
            ),
        )
        oh.booking_service_id = service.id
    db.add(oh)
    await db.flush()
    today = deadlines.today()
    await ensure_sessions(
        db, who, oh, max(today, oh.starts_on), today + timedelta(days=rules().sessions_ahead_days)
    )
    await audit.record(
        db,
        actor_id=who.id,
        action="office_hours.create",
        target_type="office_hours",
        target_id=oh.id,
        community_id=community_id,
        official=oh.official_name,
    )
    return await out(db, who, oh)


async def ensure_sessions(db: AsyncSession, who: Principal, oh: OfficeHours, start: date, end: date) -> int:
    """Session rows for every occurrence in [start, end], with a booking slot each when bookable."""
    if not who.is_staff_of(oh.community_id):
        raise NotStaff()
    made = 0
    for occ in sessions_between(oh, start, end):
        begin, finish = bounds(oh, occ.day)
        session = (
            await db.execute(
                insert(OfficeSession)
                .values(
                    id=uuid.uuid4(),
                    office_hours_id=oh.id,
                    community_id=oh.community_id,
                    day=occ.day,
                    start_at=begin,
                    end_at=finish,
                    last_number=0,
                    created_at=clock.now(),
                )
                .on_conflict_do_nothing(index_elements=["office_hours_id", "day"])
                .returning(OfficeSession)
            )
        ).scalar_one_or_none()
        if session is None:
            continue
        made += 1
        if oh.booking_service_id is not None and oh.capacity > 0:
            created = await bookings.create_slots(
                db,
                who,
                oh.booking_service_id,
                SlotsIn(slots=[SlotIn(start_at=begin, end_at=finish, capacity=oh.capacity)]),
            )
            if created.items:
                session.booking_slot_id = created.items[0].id
    await db.flush()
    return made


async def generate(
    db: AsyncSession, who: Principal, oh_id: uuid.UUID, start: date, end: date
) -> list[SessionOut]:
    oh = await load(db, who, oh_id)
    await ensure_sessions(db, who, oh, start, end)
    return await _upcoming(db, who, oh, start, end)


async def sessions(
    db: AsyncSession, who: Principal, oh_id: uuid.UUID, start: date, end: date
) -> list[SessionOut]:
    return await _upcoming(db, who, await load(db, who, oh_id), start, end)


async def get(db: AsyncSession, who: Principal, oh_id: uuid.UUID) -> OfficeHoursOut:
    return await out(db, who, await load(db, who, oh_id))


async def list_all(db: AsyncSession, who: Principal, community_id: uuid.UUID | None) -> list[OfficeHoursOut]:
    scope = catalogue.readable_communities(who)
    if community_id is not None:
        scope &= {community_id}
    rows = (
        await db.execute(
            select(OfficeHours)
            .where(OfficeHours.community_id.in_(scope), OfficeHours.active.is_(True))
            .order_by(OfficeHours.title, OfficeHours.id)
            .limit(200)
        )
    ).scalars()
    return [await out(db, who, oh) for oh in rows]


async def extend_sessions(db: AsyncSession, now: datetime) -> int:
    """Keep sessions and booking slots made LINLI_SERVICE_ITEMS_SESSIONS_AHEAD_DAYS ahead (idempotent: existing days are kept).

    Slots are made through the bookings service in the name of whoever created the office hours, so the
    bookings rules about who may open slots still hold; office hours whose creator is no longer the
    community's staff are left alone until staff extend them by hand.
    """
    today = clock.local_day(now)
    made = 0
    rows = (
        await db.execute(select(OfficeHours).where(OfficeHours.active.is_(True)).order_by(OfficeHours.id))
    ).scalars()
    for oh in list(rows):
        creator = await db.get(User, oh.created_by) if oh.created_by else None
        if creator is None:
            continue
        who = await load_principal(db, creator)
        if not who.is_staff_of(oh.community_id):
            continue
        made += await ensure_sessions(
            db, who, oh, max(today, oh.starts_on), today + timedelta(days=rules().sessions_ahead_days)
        )
    return made
