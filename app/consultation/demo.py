"""Demo consultation data: proposals (群众下单) in several states; meetings (demo_meetings.py); a 四议两公开 decision in publication (with
an answered objection), a finished one with its result published and rated, and one still in
deliberation."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation import decisions, proposals, publication, supports, triage
from app.consultation.demo_meetings import seed_meetings
from app.consultation.proposal_schemas import ProposalIn, TriageAction, TriageIn
from app.consultation.schemas import AnswerIn, DecisionIn, ObjectionIn, PublishIn, RatingIn, ResultIn, StepIn
from app.core import clock
from app.demo import DemoWorld
from app.identity.principal import Principal, load_principal
from app.models.consultation import Decision, DecisionStep, StepOutcome, Urgency
from app.tickets import service as tickets

BODIES = {
    DecisionStep.party_proposal: ("社区党委", 9, 7, 9),
    DecisionStep.committees: ("社区两委联席会议", 15, 10, 14),
    DecisionStep.party_members: ("社区党员大会", 86, 44, 71),
    DecisionStep.residents: ("居民代表会议", 52, 27, 46),
}


async def _through_four_steps(
    db: AsyncSession, staff: Principal, decision_id: uuid.UUID, start_days_ago: int
) -> None:
    today = clock.today()
    for i, (step, (body, members, quorum, attendance)) in enumerate(BODIES.items()):
        await decisions.record_step(
            db,
            staff,
            decision_id,
            StepIn(
                step=step,
                body=body,
                held_on=today - timedelta(days=start_days_ago - 7 * i),
                members=members,
                attendance=attendance,
                quorum=quorum,
                votes_for=attendance - 2,
                votes_against=1,
                votes_abstain=1,
                outcome=StepOutcome.passed,
            ),
        )


async def _proposals(
    db: AsyncSession, world: DemoWorld, staff: Principal, resident: Principal, elder: Principal
) -> None:
    """Open and supported, accepted onto the agenda, declined, and turned into a ticket."""
    charging = await proposals.create_proposal(
        db,
        resident,
        ProposalIn(
            title="小区东门增设电动自行车充电桩",
            description="不少邻居把电动车推进楼道充电，有火灾隐患。建议在东门空地增设一排充电桩。",
            urgency=Urgency.urgent,
        ),
    )
    await supports.support(db, elder, charging.id)
    benches = await proposals.create_proposal(
        db,
        elder,
        ProposalIn(
            title="文化广场增加休息长椅", description="老人散步走累了没地方坐，建议增加几张带靠背的长椅。"
        ),
    )
    await supports.support(db, resident, benches.id)
    await triage.triage(
        db,
        staff,
        benches.id,
        TriageIn(action=TriageAction.accept, answer="已列入本月协商议事会议题，欢迎居民代表参会。"),
    )
    dogs = await proposals.create_proposal(
        db, resident, ProposalIn(title="禁止在小区内遛狗", description="狗粪随处可见，建议全面禁止。")
    )
    await triage.triage(
        db,
        staff,
        dogs.id,
        TriageIn(
            action=TriageAction.decline,
            answer="全面禁止缺乏依据；社区将设置宠物便袋箱并开展文明养犬宣传。",
        ),
    )
    light = await proposals.create_proposal(
        db,
        elder,
        ProposalIn(title="2栋楼道灯不亮", description="2栋3单元楼道灯坏了一个多星期，晚上看不清台阶。"),
    )
    category = next(
        (
            c
            for c in await tickets.list_categories(db, staff, world.communities[0].id)
            if c.name == "普通报修"
        ),
        None,
    )
    if category is not None:
        await triage.triage(
            db,
            staff,
            light.id,
            TriageIn(
                action=TriageAction.ticket, answer="属于报修事项，已转物业维修。", category_id=category.id
            ),
        )


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    staff = await load_principal(db, world.staff)
    resident = await load_principal(db, world.residents[0])
    elder = await load_principal(db, world.residents[1])
    await _proposals(db, world, staff, resident, elder)
    await seed_meetings(db, staff, resident, elder)

    # Done long ago: published, effective, result published and rated.
    done = await decisions.create_decision(
        db,
        staff,
        DecisionIn(
            title="桃源小区停车位划线及收费方案",
            content="利用小区公共道路划设停车位42个，收费标准按物价部门核定。",
        ),
    )
    await _through_four_steps(db, staff, done.id, 120)
    await publication.publish(db, staff, done.id, PublishIn())
    row = await db.get(Decision, done.id)
    assert row is not None
    # The window of this one lies in the past: move it back so the job's rule applies honestly.
    row.published_at = clock.now() - timedelta(days=80)
    row.publication_ends_on = clock.today() - timedelta(days=60)
    await db.flush()
    await publication.take_effect(db, clock.now())
    await publication.publish_result(
        db,
        staff,
        done.id,
        ResultIn(text="已划设停车位42个并投入使用，收费公示于小区公告栏，月均收入用于小区公共设施维护。"),
    )
    await publication.rate(db, resident, done.id, RatingIn(score=4, comment="停车有序多了"))
    await publication.rate(db, elder, done.id, RatingIn(score=5))

    # In publication now: residents may object until the window's last working day.
    now = await decisions.create_decision(
        db,
        staff,
        DecisionIn(
            title="3栋加装电梯资金使用方案",
            content="3栋加装电梯一部，总投资约68万元：政府补贴20万元，其余由业主按楼层系数分摊，维修基金列支不超过10万元。",
        ),
    )
    await _through_four_steps(db, staff, now.id, 30)
    await publication.publish(db, staff, now.id, PublishIn())
    objection = await publication.file_objection(
        db, elder, now.id, ObjectionIn(body="一楼住户不用电梯，也要分摊吗？")
    )
    await publication.answer_objection(
        db,
        staff,
        objection.id,
        AnswerIn(answer="一楼住户不分摊建设费用，维修基金部分按原比例列支，详见公示稿第三条。"),
    )

    # Still being deliberated: the first two steps passed.
    pending = await decisions.create_decision(
        db,
        staff,
        DecisionIn(
            title="社区文化广场改造项目", content="拟将旧篮球场改造为文化广场，含健身步道和儿童游乐区。"
        ),
    )
    today = clock.today()
    for i, step in enumerate((DecisionStep.party_proposal, DecisionStep.committees)):
        body, members, quorum, attendance = BODIES[step]
        await decisions.record_step(
            db,
            staff,
            pending.id,
            StepIn(
                step=step,
                body=body,
                held_on=today - timedelta(days=14 - 7 * i),
                members=members,
                attendance=attendance,
                quorum=quorum,
                outcome=StepOutcome.passed,
            ),
        )
