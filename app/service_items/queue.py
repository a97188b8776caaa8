"""The walk-in queue of a day's office hours (取号、叫号) and the official's private notes.

Taking a number and calling the next one both lock the day's session row first, so numbers are
handed out one at a time (consecutive, none twice) and each call picks the lowest waiting number
exactly once, whatever the concurrency.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity.principal import Principal
from app.models.service_items import ConsultationNote, OfficeHours, OfficeSession, QueueNumber, QueueStatus
from app.notifications.service import notify
from app.platform import audit
from app.service_items import deadlines
from app.service_items import office_hours as hours
from app.service_items.errors import (
    InvalidResident,
    NoSessionToday,
    NotOfficial,
    QueueEmpty,
    QueueNumberNotFound,
    SessionOver,
)
from app.service_items.schemas import NoteIn, NoteOut, QueueNumberOut, QueueOut, QueueTakeIn


def _is_official(who: Principal, oh: OfficeHours) -> bool:
    return who.id == oh.official_id or who.is_staff_of(oh.community_id)


async def _today_session(db: AsyncSession, oh: OfficeHours, *, create: bool) -> OfficeSession | None:
    """Today's session, locked (made on first use when today is a session day)."""
    today = deadlines.today()
    if not hours.sessions_between(oh, today, today):
        raise NoSessionToday()
    if create:
        begin, finish = hours.bounds(oh, today)
        await db.execute(
            insert(OfficeSession)
            .values(
                id=uuid.uuid4(),
                office_hours_id=oh.id,
                community_id=oh.community_id,
                day=today,
                start_at=begin,
                end_at=finish,
                last_number=0,
                created_at=clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["office_hours_id", "day"])
        )
    query = select(OfficeSession).where(OfficeSession.office_hours_id == oh.id, OfficeSession.day == today)
    if create:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await db.execute(query)).scalar_one_or_none()


async def _position(db: AsyncSession, number: QueueNumber) -> int | None:
    if number.status is not QueueStatus.waiting:
        return None
    ahead = await db.scalar(
        select(func.count()).where(
            QueueNumber.session_id == number.session_id,
            QueueNumber.status == QueueStatus.waiting,
            QueueNumber.number < number.number,
        )
    )
    return int(ahead or 0) + 1


async def _number_out(db: AsyncSession, number: QueueNumber) -> QueueNumberOut:
    return QueueNumberOut(
        id=number.id,
        number=number.number,
        status=number.status,
        position=await _position(db, number),
        name=number.name,
        taken_at=number.taken_at,
        called_at=number.called_at,
    )


async def take_number(
    db: AsyncSession, who: Principal, oh_id: uuid.UUID, body: QueueTakeIn
) -> QueueNumberOut:
    """取号: the next number of today's queue (a resident once per day; staff for a walk-in by name)."""
    oh = await hours.load(db, who, oh_id)
    walk_in = bool(body.name) and who.is_staff_of(oh.community_id)
    if not walk_in and who.community_id != oh.community_id:
        raise InvalidResident()
    session = await _today_session(db, oh, create=True)
    assert session is not None
    if clock.now() >= session.end_at:
        raise SessionOver()
    if not walk_in:
        mine = await db.scalar(
            select(QueueNumber).where(QueueNumber.session_id == session.id, QueueNumber.user_id == who.id)
        )
        if mine is not None:
            return await _number_out(db, mine)
    session.last_number += 1
    number = QueueNumber(
        id=uuid.uuid4(),
        session_id=session.id,
        number=session.last_number,
        user_id=None if walk_in else who.id,
        name=body.name if walk_in else (who.user.name or ""),
        taken_by=who.id,
        status=QueueStatus.waiting,
        taken_at=clock.now(),
    )
    db.add(number)
    await db.flush()
    return await _number_out(db, number)


async def queue(db: AsyncSession, who: Principal, oh_id: uuid.UUID) -> QueueOut:
    """Today's queue: the number being served, how many wait, your number and position."""
    oh = await hours.load(db, who, oh_id)
    today = deadlines.today()
    try:
        session = await _today_session(db, oh, create=False)
    except NoSessionToday:
        return QueueOut(
            office_hours_id=oh.id, day=today, session_today=False, now_serving=None, waiting=0, last_number=0
        )
    if session is None:
        return QueueOut(office_hours_id=oh.id, day=today, now_serving=None, waiting=0, last_number=0)
    rows = list(
        (
            await db.execute(
                select(QueueNumber).where(QueueNumber.session_id == session.id).order_by(QueueNumber.number)
            )
        ).scalars()
    )
    called = [n.number for n in rows if n.status is QueueStatus.called]
    mine = next((n for n in rows if n.user_id == who.id), None)
    official = _is_official(who, oh)
    return QueueOut(
        office_hours_id=oh.id,
        day=today,
        now_serving=max(called) if called else None,
        waiting=sum(n.status is QueueStatus.waiting for n in rows),
        last_number=session.last_number,
        mine=await _number_out(db, mine) if mine else None,
        numbers=[await _number_out(db, n) for n in rows] if official else None,
    )


async def call_next(db: AsyncSession, who: Principal, oh_id: uuid.UUID) -> QueueNumberOut:
    """叫号: the one being served is done; the lowest waiting number is called."""
    oh = await hours.load(db, who, oh_id)
    if not _is_official(who, oh):
        raise NotOfficial()
    session = await _today_session(db, oh, create=True)
    assert session is not None
    now = clock.now()
    await db.execute(
        update(QueueNumber)
        .where(QueueNumber.session_id == session.id, QueueNumber.status == QueueStatus.called)
        .values(status=QueueStatus.done)
        .execution_options(synchronize_session=False)
    )
    number = (
        await db.execute(
            select(QueueNumber)
            .where(QueueNumber.session_id == session.id, QueueNumber.status == QueueStatus.waiting)
            .order_by(QueueNumber.number)
            .limit(1)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if number is None:
        await db.flush()
        raise QueueEmpty()
    number.status = QueueStatus.called
    number.called_at = now
    number.called_by = who.id
    await db.flush()
    if number.user_id is not None:
        await notify(
            db,
            user_id=number.user_id,
            kind="office_hours.called",
            title=f"请 {number.number} 号到{oh.location or '服务窗口'}（{oh.title}）",
            link=f"/pages/office-hours/index?id={oh.id}",
            data={"office_hours_id": str(oh.id), "number": number.number},
        )
    return await _number_out(db, number)


# ---------------------------------------------------------------- private notes


async def add_note(db: AsyncSession, who: Principal, oh_id: uuid.UUID, body: NoteIn) -> NoteOut:
    oh = await hours.load(db, who, oh_id)
    if not _is_official(who, oh):
        raise NotOfficial()
    resident_id = body.resident_id
    if body.queue_number_id is not None:
        number = await db.scalar(
            select(QueueNumber)
            .join(OfficeSession, OfficeSession.id == QueueNumber.session_id)
            .where(QueueNumber.id == body.queue_number_id, OfficeSession.office_hours_id == oh.id)
        )
        if number is None:
            raise QueueNumberNotFound()
        resident_id = resident_id or number.user_id
    note = ConsultationNote(
        id=uuid.uuid4(),
        office_hours_id=oh.id,
        community_id=oh.community_id,
        queue_number_id=body.queue_number_id,
        resident_id=resident_id,
        author_id=who.id,
        body=body.body,
        created_at=clock.now(),
    )
    db.add(note)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="office_hours.note",
        target_type="office_hours",
        target_id=oh.id,
        community_id=oh.community_id,
        on_behalf_of=resident_id,
    )
    return NoteOut.model_validate(note)


async def notes(db: AsyncSession, who: Principal, oh_id: uuid.UUID) -> list[NoteOut]:
    """The official's own notes of these office hours; the community's staff see them all."""
    oh = await hours.load(db, who, oh_id)
    query = select(ConsultationNote).where(ConsultationNote.office_hours_id == oh.id)
    if not who.is_staff_of(oh.community_id):
        if who.id != oh.official_id:
            raise NotOfficial()
        query = query.where(ConsultationNote.author_id == who.id)
    rows = (await db.execute(query.order_by(ConsultationNote.created_at.desc()).limit(200))).scalars()
    return [NoteOut.model_validate(n) for n in rows]
