"""Demo tickets: categories with SLAs and a few tickets in various states (called by seed-demo)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import DemoWorld
from app.identity.principal import load_principal
from app.models.identity import OrgUnit
from app.models.tickets import TicketCategory, TicketChannel, TicketRating
from app.tickets import deadlines, intake, workflow
from app.tickets.schemas import DispatchIn, EvaluateIn, QuestionIn, ReasonIn, ResolveIn

CATEGORIES = [
    # name, accept h, resolve h, working time, department key
    ("紧急维修", 2, 24, False, "property"),
    ("普通报修", 9, 45, True, "property"),
    ("环境卫生", 9, 45, True, "urban"),
    ("咨询建议", 9, 27, True, "station"),
]


async def _categories(
    db: AsyncSession, community: OrgUnit, departments: dict[str, OrgUnit]
) -> dict[str, TicketCategory]:
    made = {}
    for name, accept, resolve, working, dept in CATEGORIES:
        unit = (
            departments.get(dept)
            if dept in departments and departments[dept].community_id == community.id
            else None
        )
        category = TicketCategory(
            community_id=community.id,
            name=name,
            accept_within_hours=accept,
            resolve_within_hours=resolve,
            working_time=working,
            default_department_id=unit.id if unit else None,
        )
        db.add(category)
        made[name] = category
    await db.flush()
    return made


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    taoyuan, dachong = world.communities[0], world.communities[1]
    cats = await _categories(db, taoyuan, world.departments)
    await _categories(db, dachong, {"property": world.departments["property_b"]})
    zhang, liu = world.residents[0], world.residents[1]
    staff = await load_principal(db, world.staff)
    handler = await load_principal(db, world.handler)
    resident = await load_principal(db, zhang)
    property_id = world.departments["property"].id

    async def ticket(category: str, reporter_id: object, description: str, **extra: object):  # type: ignore[no-untyped-def]
        return await intake.file_ticket(
            db,
            category=cats[category],
            description=description,
            reporter_id=reporter_id,  # type: ignore[arg-type]
            created_by=reporter_id,  # type: ignore[arg-type]
            **extra,  # type: ignore[arg-type]
        )

    # Just filed in the app: waiting for intake.
    await ticket(
        "普通报修",
        zhang.id,
        "3栋2单元楼道灯不亮，晚上老人上下楼不安全",
        channel=TicketChannel.app,
        location="桃源社区3栋2单元",
    )
    # A hotline call for an elder, accepted and dispatched to the property office.
    call = await ticket(
        "紧急维修",
        liu.id,
        "家中水管爆裂，水流到楼下",
        channel=TicketChannel.hotline,
        caller_name="刘大爷",
        caller_phone="13900005678",
        location="桃源社区7栋501",
    )
    await workflow.accept(db, staff, call.id)
    await workflow.dispatch(db, staff, call.id, DispatchIn(department_id=property_id))
    # Signed for by the handler and in progress.
    work = await ticket("环境卫生", zhang.id, "小区东门垃圾堆放三天无人清运", channel=TicketChannel.app)
    await workflow.accept(db, staff, work.id)
    await workflow.dispatch(db, staff, work.id, DispatchIn(assignee_id=world.handler.id))
    await workflow.start(db, handler, work.id)
    # Waiting for the resident to add details.
    vague = await ticket("咨询建议", zhang.id, "希望增加老年食堂的营业时间", channel=TicketChannel.walk_in)
    await deadlines.request_info(db, staff, vague.id, QuestionIn(question="请问希望延长到几点？"))
    # Answered and rated.
    done = await ticket("普通报修", zhang.id, "单元门禁刷卡失灵", channel=TicketChannel.app)
    await workflow.accept(db, staff, done.id)
    await workflow.dispatch(db, staff, done.id, DispatchIn(assignee_id=world.handler.id))
    await workflow.start(db, handler, done.id)
    await workflow.resolve(db, handler, done.id, ResolveIn(reply="已更换门禁读卡模块，测试正常"))
    await workflow.evaluate(
        db, resident, done.id, EvaluateIn(rating=TicketRating.satisfied, comment="师傅很负责")
    )
    # Not ours to handle.
    other = await ticket(
        "咨询建议", liu.id, "邻居家装修噪音太大", channel=TicketChannel.hotline, caller_name="刘大爷"
    )
    await workflow.reject(db, staff, other.id, ReasonIn(reason="属于民事纠纷，已建议联系人民调解委员会"))
