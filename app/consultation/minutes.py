"""Minutes (会议纪要), written once when a consultation meeting closes.

- Only after the meeting has started, by staff of its community, under the meeting's row lock.
- Quorum: the attendance (scanned or marked) must reach the meeting's quorum, else 409
  `quorum_not_met` and nothing is written.
- Every topic is recorded exactly once (422 `minutes_incomplete`): the discussion summary, the outcome
  and any vote — counts (for / against / abstain), or per attendee (the counts are then derived).
  Votes never exceed the attendance; per-attendee votes are by attendees, one each (422
  `invalid_votes`). `adopted` with votes needs more than half of those present for (409
  `votes_do_not_pass`, the 四议 rule).
- Proposals discussed move on with the outcome: adopted / rejected → `discussed`; deferred → back to
  `accepted` for a later meeting; referred → `discussed`, and a 四议两公开 decision is opened for it
  (`decisions.create_decision`), linked from the topic and the proposal. Each move is a public entry of
  the proposal's timeline, told to its followers.
"""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import decisions, proposals
from app.consultation.errors import (
    InvalidVotes,
    MeetingNotStarted,
    MinutesIncomplete,
    QuorumNotMet,
    VotesDoNotPass,
)
from app.consultation.meeting_schemas import MeetingOut, MinutesIn, TopicMinutesIn
from app.consultation.meetings import S, load, render, require
from app.consultation.schemas import DecisionIn
from app.core import clock
from app.identity.principal import Principal
from app.models.consultation import Proposal, ProposalStatus
from app.models.consultation_meetings import (
    OUTCOME_LABELS,
    Meeting,
    MeetingAttendance,
    MeetingRegistration,
    MeetingTopic,
    MeetingVote,
    TopicOutcome,
    Vote,
)
from app.notifications.service import notify
from app.platform import audit

T = TopicOutcome


def _counts(item: TopicMinutesIn, attendees: set[uuid.UUID], attendance: int) -> tuple[int | None, ...]:
    """(for, against, abstain) as recorded, checked against the attendance."""
    counts: tuple[int | None, ...] = (item.votes_for, item.votes_against, item.votes_abstain)
    if item.votes is not None:
        voters = [v.attendee_id for v in item.votes]
        if len(set(voters)) != len(voters) or not set(voters) <= attendees:
            raise InvalidVotes(topic_id=str(item.topic_id))
        tally = Counter(v.vote for v in item.votes)
        derived = (tally[Vote.for_], tally[Vote.against], tally[Vote.abstain])
        if any(c is not None and c != d for c, d in zip(counts, derived, strict=True)):
            raise InvalidVotes(topic_id=str(item.topic_id))
        counts = derived
    if sum(c or 0 for c in counts) > attendance:
        raise InvalidVotes(topic_id=str(item.topic_id))
    if item.outcome is T.adopted and counts[0] is not None and counts[0] * 2 <= attendance:
        raise VotesDoNotPass(votes_for=counts[0], attendance=attendance)
    return counts


async def _move_proposal(
    db: AsyncSession, who: Principal, m: Meeting, topic: MeetingTopic, decision_id: uuid.UUID | None
) -> None:
    assert topic.proposal_id is not None
    assert topic.outcome is not None
    p = await db.get(Proposal, topic.proposal_id, with_for_update=True, populate_existing=True)
    assert p is not None
    label = OUTCOME_LABELS[topic.outcome]
    if topic.outcome is T.deferred:
        p.status = ProposalStatus.accepted
        p.meeting_id = None
    else:
        p.status = ProposalStatus.discussed
        p.outcome = topic.outcome.value
        p.decision_id = decision_id
    p.updated_at = clock.now()
    await db.flush()
    text = f"协商议事会“{m.title}”议定：{label}。{topic.summary}"
    if decision_id is not None:
        text += "（已转入四议两公开程序）"
    await proposals.event(db, p, who.id, f"discussed_{topic.outcome.value}", text, meeting_id=m.id)
    await proposals.tell_followers(db, p, "discussed", f"您关注的提议已上会议定：{label}", text, but=who.id)


async def close_with_minutes(
    db: AsyncSession, who: Principal, meeting_id: uuid.UUID, body: MinutesIn
) -> MeetingOut:
    """Write the minutes and close the meeting; quorum first, then every topic once."""
    m = await load(db, who, meeting_id, staff=True, lock=True)
    require(m, S.planned)
    now = clock.now()
    if now < m.starts_at:
        raise MeetingNotStarted()
    attendee_ids = set(
        (await db.execute(select(MeetingAttendance.id).where(MeetingAttendance.meeting_id == m.id))).scalars()
    )
    attendance = len(attendee_ids)
    if attendance < m.quorum:
        raise QuorumNotMet(attendance=attendance, quorum=m.quorum)
    topics = {
        t.id: t
        for t in (
            await db.execute(
                select(MeetingTopic).where(MeetingTopic.meeting_id == m.id).order_by(MeetingTopic.position)
            )
        ).scalars()
    }
    given = [item.topic_id for item in body.topics]
    if len(set(given)) != len(given) or set(given) != set(topics):
        raise MinutesIncomplete(topics=len(topics))
    checked = {item.topic_id: _counts(item, attendee_ids, attendance) for item in body.topics}
    for item in sorted(body.topics, key=lambda i: topics[i.topic_id].position):
        topic = topics[item.topic_id]
        topic.summary = item.summary
        topic.outcome = item.outcome
        topic.votes_for, topic.votes_against, topic.votes_abstain = checked[item.topic_id]
        for v in item.votes or []:
            db.add(MeetingVote(topic_id=topic.id, attendance_id=v.attendee_id, vote=v.vote))
        decision_id = None
        if item.outcome is T.referred:
            opened = await decisions.create_decision(
                db, who, DecisionIn(community_id=m.community_id, title=topic.title, content=item.summary)
            )
            decision_id = topic.decision_id = opened.id
        await db.flush()
        if topic.proposal_id is not None:
            await _move_proposal(db, who, m, topic, decision_id)
    m.status = S.closed
    m.closed_at = now
    m.closed_by = who.id
    m.attendance_at_close = attendance
    m.minutes_note = body.note or None
    m.updated_at = now
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="meeting.minutes",
        target_type="meeting",
        target_id=m.id,
        community_id=m.community_id,
        attendance=attendance,
        quorum=m.quorum,
    )
    registered = (
        await db.execute(select(MeetingRegistration.user_id).where(MeetingRegistration.meeting_id == m.id))
    ).scalars()
    for user_id in sorted(registered):
        await notify(
            db,
            user_id=user_id,
            kind="meeting.minutes",
            title=f"议事会纪要已发布：{m.title}",
            link=f"/pages/consultation/meeting/index?id={m.id}",
            data={"meeting_id": str(m.id)},
        )
    return await render(db, m, who)
