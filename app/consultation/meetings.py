"""Consultation meetings (协商议事, 喝茶议事): agenda, invited parties and open seats.

- Staff of a community plan a meeting: time, place, invited parties (居民代表, 物业, 业委会, 网格员,
  驻区单位), the open seats residents register for, the quorum the minutes need, and topics — from
  proposals accepted onto the agenda (locked, `accepted` → `scheduled`; anything else is 409
  `proposal_not_accepted`) or written by staff.
- Residents of the community register for a seat until the meeting starts. The meeting row is locked
  while a seat is taken or given back and `seats_taken` is checked against `seats` under that lock;
  the CHECK `seats_taken <= seats` and the registrations' primary key back it: N residents racing for
  C seats get exactly C.
- Attendance (`attendance.py`) and minutes (`minutes.py`) live beside this module.
- Residents of the community and its staff see its meetings; anyone else gets 404 `meeting_not_found`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import proposals
from app.consultation.decisions import names_of
from app.consultation.errors import (
    AlreadyRegistered,
    BadMeetingTimes,
    MeetingFull,
    MeetingInvalidTransition,
    MeetingNotFound,
    NotAResident,
    NotRegistered,
    ProposalNotAccepted,
    ProposalNotFound,
    RegistrationClosed,
    TriageFieldMissing,
)
from app.consultation.meeting_schemas import (
    AttendeeOut,
    CancelIn,
    MeetingIn,
    MeetingOut,
    MeetingSummary,
    PartyOut,
    PersonOut,
    RegistrationOut,
    TopicIn,
    TopicOut,
    VoteOut,
)
from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.consultation import Proposal, ProposalStatus
from app.models.consultation_meetings import (
    MEETING_STATUS_LABELS,
    OUTCOME_LABELS,
    PARTY_LABELS,
    Meeting,
    MeetingAttendance,
    MeetingRegistration,
    MeetingStatus,
    MeetingTopic,
    MeetingVote,
    Party,
)
from app.platform import audit

S = MeetingStatus


# ---------------------------------------------------------------- scope


def visible(who: Principal) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    if who.staff_communities:
        conds.append(Meeting.community_id.in_(who.staff_communities))
    if who.community_id is not None:
        conds.append(Meeting.community_id == who.community_id)
    return or_(*conds) if conds else Meeting.id.is_(None)


async def load(
    db: AsyncSession, who: Principal, meeting_id: uuid.UUID, *, staff: bool = False, lock: bool = False
) -> Meeting:
    query = select(Meeting).where(Meeting.id == meeting_id, visible(who))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    m = (await db.execute(query)).scalar_one_or_none()
    if m is None or (staff and not who.is_staff_of(m.community_id)):
        raise MeetingNotFound()
    return m


def require(m: Meeting, *allowed: MeetingStatus) -> None:
    if m.status not in allowed:
        raise MeetingInvalidTransition(current_status=m.status.value)


def attendee_out(a: MeetingAttendance) -> AttendeeOut:
    party = Party(a.party) if a.party else None
    return AttendeeOut(
        id=a.id,
        meeting_id=a.meeting_id,
        user_id=a.user_id,
        name=a.name,
        party=party,
        party_label=PARTY_LABELS[party] if party else None,
        method=a.method,
        checked_in_at=a.checked_in_at,
    )


# ---------------------------------------------------------------- rendering


async def _registered(db: AsyncSession, user_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    rows = await db.execute(
        select(MeetingRegistration.meeting_id).where(
            MeetingRegistration.user_id == user_id, MeetingRegistration.meeting_id.in_(ids)
        )
    )
    return set(rows.scalars())


def _summary_fields(m: Meeting, registered: bool, topics: int) -> dict[str, Any]:
    return {
        "id": m.id,
        "community_id": m.community_id,
        "title": m.title,
        "place": m.place,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "status": m.status,
        "status_label": MEETING_STATUS_LABELS[m.status],
        "seats": m.seats,
        "seats_left": m.seats - m.seats_taken,
        "registered": registered,
        "topics_count": topics,
    }


async def render(db: AsyncSession, m: Meeting, who: Principal) -> MeetingOut:
    staff = who.is_staff_of(m.community_id)
    topics = list(
        (
            await db.execute(
                select(MeetingTopic).where(MeetingTopic.meeting_id == m.id).order_by(MeetingTopic.position)
            )
        ).scalars()
    )
    attendees = list(
        (
            await db.execute(
                select(MeetingAttendance)
                .where(MeetingAttendance.meeting_id == m.id)
                .order_by(MeetingAttendance.checked_in_at, MeetingAttendance.id)
            )
        ).scalars()
    )
    votes: dict[uuid.UUID, list[VoteOut]] = {}
    if staff and topics:
        names = {a.id: a.name for a in attendees}
        for v in (
            await db.execute(select(MeetingVote).where(MeetingVote.topic_id.in_([t.id for t in topics])))
        ).scalars():
            votes.setdefault(v.topic_id, []).append(
                VoteOut(attendee_id=v.attendance_id, name=names.get(v.attendance_id, ""), vote=v.vote)
            )
    registrations = None
    if staff:
        ids = list(
            (
                await db.execute(
                    select(MeetingRegistration.user_id)
                    .where(MeetingRegistration.meeting_id == m.id)
                    .order_by(MeetingRegistration.created_at, MeetingRegistration.user_id)
                )
            ).scalars()
        )
        names_by_id = await names_of(db, set(ids))
        registrations = [PersonOut(id=i, name=names_by_id.get(i, "")) for i in ids]
    registered = bool(await _registered(db, who.id, [m.id]))
    return MeetingOut(
        **_summary_fields(m, registered, len(topics)),
        description=m.description,
        parties=[PartyOut(party=Party(p), label=PARTY_LABELS[Party(p)]) for p in m.parties],
        quorum=m.quorum,
        attendance=len(attendees),
        checked_in=any(a.user_id == who.id for a in attendees),
        topics=[
            TopicOut(
                id=t.id,
                position=t.position,
                title=t.title,
                description=t.description,
                proposal_id=t.proposal_id,
                summary=t.summary,
                outcome=t.outcome,
                outcome_label=OUTCOME_LABELS[t.outcome] if t.outcome else None,
                votes_for=t.votes_for,
                votes_against=t.votes_against,
                votes_abstain=t.votes_abstain,
                votes=sorted(votes[t.id], key=lambda v: v.name) if t.id in votes else None,
                decision_id=t.decision_id,
            )
            for t in topics
        ],
        attendees=[attendee_out(a) for a in attendees] if staff else None,
        registrations=registrations,
        cancel_reason=m.cancel_reason,
        closed_at=m.closed_at,
        attendance_at_close=m.attendance_at_close,
        quorum_met=(m.attendance_at_close >= m.quorum) if m.attendance_at_close is not None else None,
        minutes_note=m.minutes_note,
        created_at=m.created_at,
    )


# ---------------------------------------------------------------- planning


async def _add_topic(db: AsyncSession, who: Principal, m: Meeting, topic: TopicIn, position: int) -> None:
    if topic.proposal_id is None:
        if topic.title is None:
            raise TriageFieldMissing(field="title")
        db.add(
            MeetingTopic(meeting_id=m.id, position=position, title=topic.title, description=topic.description)
        )
        await db.flush()
        return
    p = await proposals.load(db, who, topic.proposal_id, staff=True, lock=True)
    if p.community_id != m.community_id:
        raise ProposalNotFound()
    if p.status is not ProposalStatus.accepted:
        raise ProposalNotAccepted(current_status=p.status.value)
    db.add(
        MeetingTopic(
            meeting_id=m.id,
            position=position,
            title=topic.title or p.title,
            description=topic.description or p.description,
            proposal_id=p.id,
        )
    )
    p.status = ProposalStatus.scheduled
    p.meeting_id = m.id
    p.updated_at = clock.now()
    await db.flush()
    when = clock.local_text(m.starts_at, clock.MINUTES)
    text = f"已排入协商议事会“{m.title}”（{when}，{m.place}）"
    await proposals.event(db, p, who.id, "scheduled", text, meeting_id=m.id)
    await proposals.tell_followers(db, p, "scheduled", f"您关注的提议将上会讨论：{p.title}", text, but=who.id)


async def create_meeting(db: AsyncSession, who: Principal, body: MeetingIn) -> MeetingOut:
    community_id = acting_community(who, body.community_id)
    if body.ends_at <= body.starts_at or body.starts_at <= clock.now():
        raise BadMeetingTimes()
    m = Meeting(
        id=uuid.uuid4(),
        community_id=community_id,
        title=body.title,
        description=body.description,
        place=body.place,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        parties=[p.value for p in dict.fromkeys(body.parties)],
        seats=body.seats,
        seats_taken=0,
        quorum=body.quorum,
        status=S.planned,
        created_by=who.id,
    )
    db.add(m)
    await db.flush()
    # Proposals locked in id order (two meetings taking the same proposals cannot deadlock).
    order = sorted(range(len(body.topics)), key=lambda i: str(body.topics[i].proposal_id or ""))
    for i in order:
        await _add_topic(db, who, m, body.topics[i], i + 1)
    await audit.record(
        db,
        actor_id=who.id,
        action="meeting.create",
        target_type="meeting",
        target_id=m.id,
        community_id=community_id,
    )
    return await render(db, m, who)


async def add_topic(db: AsyncSession, who: Principal, meeting_id: uuid.UUID, body: TopicIn) -> MeetingOut:
    m = await load(db, who, meeting_id, staff=True, lock=True)
    require(m, S.planned)
    last = (
        await db.execute(select(func.max(MeetingTopic.position)).where(MeetingTopic.meeting_id == m.id))
    ).scalar_one_or_none()
    await _add_topic(db, who, m, body, (last or 0) + 1)
    return await render(db, m, who)


async def cancel(db: AsyncSession, who: Principal, meeting_id: uuid.UUID, body: CancelIn) -> MeetingOut:
    """Cancel a planned meeting; its proposals go back onto the agenda (`accepted`)."""
    m = await load(db, who, meeting_id, staff=True, lock=True)
    require(m, S.planned)
    m.status = S.cancelled
    m.cancel_reason = body.reason
    m.updated_at = clock.now()
    scheduled = (
        await db.execute(
            select(Proposal)
            .where(Proposal.meeting_id == m.id, Proposal.status == ProposalStatus.scheduled)
            .order_by(Proposal.id)
            .with_for_update()
        )
    ).scalars()
    for p in scheduled:
        p.status = ProposalStatus.accepted
        p.meeting_id = None
        await proposals.event(db, p, who.id, "unscheduled", f"议事会“{m.title}”取消，提议将另行安排上会")
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="meeting.cancel",
        target_type="meeting",
        target_id=m.id,
        community_id=m.community_id,
    )
    return await render(db, m, who)


# ---------------------------------------------------------------- reading


async def read_meeting(db: AsyncSession, who: Principal, meeting_id: uuid.UUID) -> MeetingOut:
    return await render(db, await load(db, who, meeting_id), who)


async def list_meetings(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    status: MeetingStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[MeetingSummary]:
    """Meetings the caller may see, latest start first."""
    after = params.after(datetime, uuid.UUID)
    query = select(Meeting).where(visible(who))
    if status is not None:
        query = query.where(Meeting.status == status)
    if community_id is not None:
        query = query.where(Meeting.community_id == community_id)
    if after is not None:
        query = query.where(func.row(Meeting.starts_at, Meeting.id) < func.row(*after))
    rows = list(
        (
            await db.execute(
                query.order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(params.limit + 1)
            )
        ).scalars()
    )
    page = page_of(rows, params, lambda m: [m.starts_at, m.id])
    items: list[Meeting] = page.items
    ids = [m.id for m in items]
    counts: dict[uuid.UUID, int] = {}
    if ids:
        counted = await db.execute(
            select(MeetingTopic.meeting_id, func.count())
            .where(MeetingTopic.meeting_id.in_(ids))
            .group_by(MeetingTopic.meeting_id)
        )
        counts = dict(counted.tuples().all())
    mine = await _registered(db, who.id, ids)
    return Page[MeetingSummary](
        items=[MeetingSummary(**_summary_fields(m, m.id in mine, counts.get(m.id, 0))) for m in items],
        next_cursor=page.next_cursor,
    )


# ---------------------------------------------------------------- seats


def _registration_out(m: Meeting, registered: bool) -> RegistrationOut:
    return RegistrationOut(
        meeting_id=m.id, registered=registered, seats=m.seats, seats_left=m.seats - m.seats_taken
    )


async def register(db: AsyncSession, who: Principal, meeting_id: uuid.UUID) -> RegistrationOut:
    """Take one open seat (residents of the community, until the start); exact under contention."""
    m = await load(db, who, meeting_id, lock=True)
    if who.community_id != m.community_id:
        raise NotAResident()
    require(m, S.planned)
    if clock.now() >= m.starts_at:
        raise RegistrationClosed()
    if m.seats_taken >= m.seats:
        raise MeetingFull(seats=m.seats)
    try:
        async with db.begin_nested():
            db.add(MeetingRegistration(meeting_id=m.id, user_id=who.id, created_at=clock.now()))
            await db.flush()
    except IntegrityError as exc:
        raise AlreadyRegistered() from exc
    m.seats_taken += 1
    await db.flush()
    return _registration_out(m, True)


async def unregister(db: AsyncSession, who: Principal, meeting_id: uuid.UUID) -> RegistrationOut:
    """Give the seat back (until the start)."""
    m = await load(db, who, meeting_id, lock=True)
    require(m, S.planned)
    if clock.now() >= m.starts_at:
        raise RegistrationClosed()
    gone = (
        await db.execute(
            delete(MeetingRegistration)
            .where(MeetingRegistration.meeting_id == m.id, MeetingRegistration.user_id == who.id)
            .returning(MeetingRegistration.user_id)
        )
    ).scalar_one_or_none()
    if gone is None:
        raise NotRegistered()
    m.seats_taken -= 1
    await db.flush()
    return _registration_out(m, False)


def checkin_opens(m: Meeting, tolerance_minutes: int) -> datetime:
    return m.starts_at - timedelta(minutes=tolerance_minutes)
