"""The demo seed: organisations (a 志愿服务队 with members and ledger hours), a funded call with projects
in execution, and a call whose resident vote is open now."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import seed
from app.models.ledger import Transfer, TransferKind
from app.models.project_delivery import Project, ProjectStatus
from app.models.projects import Organisation, OrganisationActivity, ProjectCall
from app.projects import calls
from tests.support.factories import TEST_SETTINGS


async def test_demo_seed_has_organisations_a_funded_call_and_an_open_vote(db: AsyncSession) -> None:
    world = await seed(db, TEST_SETTINGS)
    assert world is not None
    orgs = {o.name: o for o in (await db.execute(select(Organisation))).scalars()}
    assert {"绿叶舟志愿服务队", "桃源乐龄社工服务中心", "桃源夕阳红合唱团"} <= set(orgs)
    team = orgs["绿叶舟志愿服务队"]
    activities = list(
        (
            await db.execute(
                select(OrganisationActivity.activity_id).where(
                    OrganisationActivity.organisation_id == team.id
                )
            )
        ).scalars()
    )
    minutes = (
        await db.execute(
            select(func.sum(Transfer.amount)).where(
                Transfer.kind == TransferKind.volunteer_reward,
                Transfer.asset == "hours",
                Transfer.reference.in_([f"activity:{a}" for a in activities]),
            )
        )
    ).scalar_one()
    assert minutes == 2 * 120  # two members, two hours each
    by_title = {c.title: c for c in (await db.execute(select(ProjectCall))).scalars()}
    assert calls.phase(by_title["2026年民生微实事"]) == "funded"
    assert calls.phase(by_title["2027年微公益创投"]) == "voting"
    projects = list((await db.execute(select(Project))).scalars())
    assert sorted(p.title for p in projects) == ["楼道微花园", "长者爱心午餐"]
    assert all(p.status is ProjectStatus.executing and p.spent_fen > 0 for p in projects)
    assert by_title["2026年民生微实事"].funded_fen == sum(p.budget_fen for p in projects)
