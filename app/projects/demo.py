"""Demo community projects, all through the domain's own service functions:

- organisations: 绿叶舟志愿服务队 (a 志愿服务队 with a leader, members and volunteer hours from a settled
  activity it organised), a registered 社会组织 with its credit code, a hobby group being incubated;
- 2026年民生微实事: funded (reviewed, ranked within its cap), its projects in execution with spending
  and milestones done;
- 2027年微公益创投: eligible applications in its resident-voting phase now.

Phase dates are moved back on the demo's own rows after the service calls, the way the consultation
demo ages its decisions: the rules ran at "now", the dates then say when that was.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.demo import DemoWorld
from app.identity.principal import Principal, load_principal
from app.models.projects import CallKind, OrganisationKind, OrganisationStatus, ProjectCall, ReviewerKind
from app.projects import applications, calls, execution, funding, organisations, public, selection
from app.projects.schemas import (
    ApplicationIn,
    CallIn,
    CriterionIn,
    EligibilityIn,
    FundIn,
    LineIn,
    MemberIn,
    MilestoneIn,
    OrganisationIn,
    ReviewerIn,
    ReviewIn,
)
from app.projects.schemas_delivery import SpendingIn, UpdateIn
from app.volunteering import attendance, settlement
from app.volunteering import service as volunteering
from app.volunteering.schemas import ActivityIn, AttendanceIn

CRITERIA = [
    CriterionIn(name="需求迫切性", weight=40),
    CriterionIn(name="方案可行性", weight=35),
    CriterionIn(name="预算合理性", weight=25),
]


async def _team_hours(
    db: AsyncSession, staff: Principal, team_id: uuid.UUID, volunteers: list[uuid.UUID]
) -> None:
    """An activity the team organised this morning, settled: its minutes are the team's hours."""
    now = clock.now()
    activity = await volunteering.create_activity(
        db,
        staff,
        ActivityIn(
            title="绿叶舟·独居长者探访",
            description="两人一组上门探访独居长者，陪聊、测血压、检查家中用电安全。",
            location="桃源社区",
            start_at=now - timedelta(hours=2),
            end_at=now + timedelta(minutes=10),
            capacity=20,
            points_reward=20,
        ),
    )
    aid = activity.id
    await volunteering.publish(db, staff, aid)
    for user_id in volunteers:
        await attendance.record_attendance(
            db,
            staff,
            aid,
            AttendanceIn(user_id=user_id, checked_in_at=now - timedelta(hours=2), checked_out_at=now),
        )
    await volunteering.finish(db, staff, aid)
    await settlement.settle(db, staff, aid)
    await organisations.link_activity(db, staff, team_id, aid)


async def _organisations(db: AsyncSession, staff: Principal, residents: list[Principal]) -> uuid.UUID:
    team = await organisations.create_organisation(
        db,
        staff,
        OrganisationIn(
            name="绿叶舟志愿服务队",
            kind=OrganisationKind.volunteer_team,
            status=OrganisationStatus.registered,
            description="关爱独居长者、社区环境保护，每周六上午活动。",
            contact_name="张阿姨",
            contact_phone="13800000021",
            leader_id=residents[0].id if residents else None,
        ),
    )
    for r in residents[1:]:
        await organisations.add_member(db, staff, team.id, MemberIn(user_id=r.id))
    await _team_hours(db, staff, team.id, [r.id for r in residents])
    await organisations.create_organisation(
        db,
        staff,
        OrganisationIn(
            name="桃源乐龄社工服务中心",
            kind=OrganisationKind.social_org,
            status=OrganisationStatus.registered,
            credit_code="52440300MJL000008P",
            description="承接社区长者服务和邻里中心运营的民办非企业单位。",
            contact_name="林主任",
            contact_phone="13800000022",
        ),
    )
    await organisations.create_organisation(
        db,
        staff,
        OrganisationIn(
            name="桃源夕阳红合唱团",
            kind=OrganisationKind.hobby_group,
            status=OrganisationStatus.incubating,
            description="社区居民自发组织的合唱团，每周二、四晚上排练。",
        ),
    )
    return team.id


def _call(title: str, kind: CallKind, cap_fen: int, *, vote: bool) -> CallIn:
    now = clock.now()
    return CallIn(
        kind=kind,
        title=title,
        description="面向社区居民和社区组织征集项目，经资格审查、评审"
        + ("和居民投票" if vote else "")
        + "后在预算内择优立项。",
        budget_cap_fen=cap_fen,
        categories=["为老服务", "儿童关爱", "环境美化", "文体活动"],
        criteria=CRITERIA,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        voting_opens_at=now + timedelta(days=2) if vote else None,
        voting_closes_at=now + timedelta(days=9) if vote else None,
        votes_per_resident=2 if vote else None,
        vote_weight=20 if vote else 0,
    )


async def _apply(
    db: AsyncSession,
    who: Principal,
    call_id: uuid.UUID,
    title: str,
    category: str,
    lines: list[tuple[str, int, str, int]],
    milestones: list[str],
    *,
    organisation_id: uuid.UUID | None = None,
) -> uuid.UUID:
    app = await applications.create_application(
        db,
        who,
        call_id,
        ApplicationIn(
            organisation_id=organisation_id,
            title=title,
            category=category,
            summary=f"{title}：由社区居民提出，面向本社区居民。",
            plan="按里程碑分阶段实施，每月在项目公示页更新进展和支出。",
            beneficiaries="桃源社区居民",
            beneficiaries_count=60,
            budget_lines=[LineIn(item=i, quantity=q, unit=u, unit_price_fen=p) for i, q, u, p in lines],
            milestones=[MilestoneIn(title=m) for m in milestones],
        ),
    )
    await applications.submit(db, who, app.id)
    return app.id


async def _age(db: AsyncSession, call_id: uuid.UUID, days: int, *, voting_now: bool = False) -> None:
    """Move a call's dates `days` back (a voting call: so that its vote is open now)."""
    row = await db.get(ProjectCall, call_id)
    assert row is not None
    now = clock.now()
    row.opens_at = now - timedelta(days=days + 20)
    row.closes_at = now - timedelta(days=days)
    if row.voting_opens_at is not None and row.voting_closes_at is not None:
        row.voting_opens_at = now - timedelta(days=1) if voting_now else now - timedelta(days=days - 1)
        row.voting_closes_at = now + timedelta(days=7) if voting_now else now - timedelta(days=days - 8)
    await db.flush()


async def _funded_call(
    db: AsyncSession, staff: Principal, residents: list[Principal], team_id: uuid.UUID
) -> None:
    call = await calls.create_call(
        db, staff, _call("2026年民生微实事", CallKind.minsheng, 2_000_000, vote=False)
    )
    leader, elder = residents[0], residents[-1]
    meals = await _apply(
        db,
        leader,
        call.id,
        "长者爱心午餐",
        "为老服务",
        [("餐具", 60, "套", 2_500), ("食材补贴", 1_200, "份", 800), ("送餐保温箱", 6, "个", 18_000)],
        ["助餐点开放", "中期回访", "总结评估"],
        organisation_id=team_id,
    )
    garden = await _apply(
        db,
        elder,
        call.id,
        "楼道微花园",
        "环境美化",
        [("花箱", 40, "个", 12_000), ("花苗", 400, "株", 500)],
        ["选点与居民议事", "花箱安装", "养护交接"],
    )
    chess = await _apply(
        db,
        leader,
        call.id,
        "邻里棋牌赛",
        "文体活动",
        [("场地布置", 1, "项", 300_000), ("奖品", 50, "份", 10_000)],
        ["报名", "比赛"],
    )
    await selection.add_reviewer(db, staff, call.id, ReviewerIn(user_id=staff.id, kind=ReviewerKind.staff))
    full = await calls.get_call(db, staff, call.id)
    marks = {meals: [9, 9, 8], garden: [8, 8, 9], chess: [6, 7, 5]}
    for app_id, m in marks.items():
        await selection.set_eligibility(db, staff, app_id, EligibilityIn(eligible=True))
        await selection.review(
            db,
            staff,
            app_id,
            ReviewIn(scores={c.id: s for c, s in zip(full.criteria, m, strict=True)}, no_conflict=True),
        )
    await _age(db, call.id, 30)
    funded = await funding.fund(db, staff, call.id, FundIn())
    for ranked in funded.ranking:
        if ranked.project_id is None:
            continue
        page = await public.get_project(db, staff, ranked.project_id)
        first = page.budget_lines[0]
        await execution.record_spending(
            db,
            staff,
            page.id,
            SpendingIn(
                line_id=first.id, amount_fen=first.amount_fen // 2, spent_on=clock.today(), payee="社区供应商"
            ),
        )
        await execution.post_update(
            db,
            staff,
            page.id,
            UpdateIn(
                body=f"{page.milestones[0].title}已完成。",
                milestone_id=page.milestones[0].id,
                milestone_done=True,
            ),
        )


async def _voting_call(db: AsyncSession, staff: Principal, residents: list[Principal]) -> None:
    call = await calls.create_call(
        db, staff, _call("2027年微公益创投", CallKind.venture, 2_000_000, vote=True)
    )
    leader, elder = residents[0], residents[-1]
    ideas = [
        (
            leader,
            "四点半课堂",
            "儿童关爱",
            [("课桌椅", 20, "套", 30_000), ("志愿者交通补贴", 100, "人次", 2_000)],
        ),
        (elder, "长者智能手机课", "为老服务", [("讲师课酬", 12, "课时", 30_000), ("教材", 80, "本", 1_500)]),
        (leader, "社区旧物交换日", "环境美化", [("场地布置", 4, "场", 50_000)]),
    ]
    for who, title, category, lines in ideas:
        app_id = await _apply(db, who, call.id, title, category, lines, ["启动", "实施", "总结"])
        await selection.set_eligibility(db, staff, app_id, EligibilityIn(eligible=True))
    await _age(db, call.id, 5, voting_now=True)


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    staff = await load_principal(db, world.staff)
    community = world.communities[0]
    residents = [await load_principal(db, r) for r in world.residents if r.community_id == community.id]
    team_id = await _organisations(db, staff, residents)
    if not residents:
        return
    await _funded_call(db, staff, residents, team_id)
    await _voting_call(db, staff, residents)
