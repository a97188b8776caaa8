"""Demo community projects: organisations (one 志愿服务队 with members and hours) and a call."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import DemoWorld
from app.identity.principal import load_principal
from app.models.projects import OrganisationKind, OrganisationStatus
from app.projects import organisations
from app.projects.schemas import MemberIn, OrganisationIn


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    staff = await load_principal(db, world.staff)
    community = world.communities[0]
    residents = [r for r in world.residents if r.community_id == community.id]
    team = await organisations.create_organisation(
        db,
        staff,
        OrganisationIn(
            name="绿叶舟志愿服务队",
            kind=OrganisationKind.volunteer_team,
            status=OrganisationStatus.registered,
            description="关爱独居长者、社区环境保护，每周六上午活动。",
            contact_name="陈队长",
            contact_phone="13800000021",
            leader_id=residents[0].id if residents else None,
        ),
    )
    for r in residents[1:]:
        await organisations.add_member(db, staff, team.id, MemberIn(user_id=r.id))
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
