"""Demo meetings: a past 喝茶议事 with its minutes (a proposal adopted by a recorded vote, a staff topic),
and an upcoming one with open seats (called from `demo.seed`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import attendance, meetings, minutes, proposals, supports, triage
from app.consultation.meeting_schemas import AttendanceIn, MeetingIn, MinutesIn, TopicIn, TopicMinutesIn
from app.consultation.proposal_schemas import ProposalIn, TriageAction, TriageIn
from app.core import clock
from app.identity.principal import Principal
from app.models.consultation_meetings import Meeting, MeetingAttendance, Party, TopicOutcome

PARTIES = [Party.resident_reps, Party.property, Party.owners_committee, Party.grid_workers]


async def seed_meetings(db: AsyncSession, staff: Principal, resident: Principal, elder: Principal) -> None:
    parking = await proposals.create_proposal(
        db,
        resident,
        ProposalIn(
            title="规范小区非机动车停放",
            description="单元门口电动车、自行车乱停，老人出入不便，建议划定停放区。",
        ),
    )
    await supports.support(db, elder, parking.id)
    await triage.triage(
        db, staff, parking.id, TriageIn(action=TriageAction.accept, answer="列入十一月喝茶议事会议题。")
    )
    # Planned to start now so attendance can be taken, then moved back three weeks: minutes need a
    # meeting that has happened, and the demo must not move the application's clock.
    start = clock.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    past = await meetings.create_meeting(
        db,
        staff,
        MeetingIn(
            title="十一月喝茶议事会",
            description="品茶论社，聊话民生：非机动车停放与楼道堆物。",
            place="社区茶馆（邻里中心二楼）",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            parties=PARTIES,
            seats=12,
            quorum=4,
            topics=[
                TopicIn(proposal_id=parking.id),
                TopicIn(title="楼道堆物集中清理", description="物业提出"),
            ],
        ),
    )
    await meetings.register(db, resident, past.id)
    present = [
        await attendance.mark(db, staff, past.id, AttendanceIn(user_id=resident.id)),
        await attendance.mark(db, staff, past.id, AttendanceIn(user_id=elder.id)),
        await attendance.mark(db, staff, past.id, AttendanceIn(name="陈经理", party=Party.property)),
        await attendance.mark(db, staff, past.id, AttendanceIn(name="黄主任", party=Party.owners_committee)),
        await attendance.mark(db, staff, past.id, AttendanceIn(name="林晓", party=Party.grid_workers)),
    ]
    shift = timedelta(days=21)
    await db.execute(
        update(Meeting)
        .where(Meeting.id == past.id)
        .values(starts_at=Meeting.starts_at - shift, ends_at=Meeting.ends_at - shift)
    )
    await db.execute(
        update(MeetingAttendance)
        .where(MeetingAttendance.meeting_id == past.id)
        .values(checked_in_at=MeetingAttendance.checked_in_at - shift)
    )
    topics = past.topics
    await minutes.close_with_minutes(
        db,
        staff,
        past.id,
        MinutesIn(
            note="到会居民代表、物业、业委会、网格员共5人。",
            topics=[
                TopicMinutesIn(
                    topic_id=topics[0].id,
                    summary="在各单元门口东侧划定非机动车停放区，物业负责划线和巡查，两周内完成。",
                    outcome=TopicOutcome.adopted,
                    votes_for=4,
                    votes_against=0,
                    votes_abstain=1,
                ),
                TopicMinutesIn(
                    topic_id=topics[1].id,
                    summary="12月第一个周末集中清理，网格员提前三天入户告知。",
                    outcome=TopicOutcome.adopted,
                ),
            ],
        ),
    )
    assert len(present) == 5

    soon = clock.now().replace(second=0, microsecond=0) + timedelta(days=7)
    await meetings.create_meeting(
        db,
        staff,
        MeetingIn(
            title="十二月喝茶议事会",
            description="欢迎居民报名旁听，现场扫码签到。",
            place="社区茶馆（邻里中心二楼）",
            starts_at=soon,
            ends_at=soon + timedelta(hours=2),
            parties=[*PARTIES, Party.resident_units],
            seats=20,
            quorum=5,
            topics=[TopicIn(title="小区停车收费调整征求意见")],
        ),
    )
