"""Demo grid for seed-demo: 桃源社区 gets two compounds (桃源居, 阳光花园), four grids, 32 buildings, a board
at every level, a grid worker (wechat code `demo-grid`, a handler at 桃源第一网格) and a ticket category
routed straight to the grid. The demo residents 张阿姨 and 刘大爷 live in 桃源居 1栋 and 2栋."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.settings import get_settings
from app.demo import DemoWorld, _person, _unit
from app.models.grid import BoardEntry, BoardLevel, BoardRole, Building, ResidentAddress
from app.models.identity import OrgKind, OrgUnit, Role
from app.models.tickets import TicketCategory

# (compound, buildings, grid index): 桃源居 1–16栋 over grids 1–2, 阳光花园 A–P座 over grids 3–4.
LAYOUT = [
    ("桃源居", [f"{n}栋" for n in range(1, 17)], (0, 1)),
    ("阳光花园", [f"{c}座" for c in "ABCDEFGHIJKLMNOP"], (2, 3)),
]


def _entry(
    community: OrgUnit,
    role: BoardRole,
    name: str,
    phone: str | None,
    hours: str | None,
    duties: str | None,
    **at: object,
) -> BoardEntry:
    level = (
        BoardLevel.building
        if "building_id" in at
        else BoardLevel.grid
        if "grid_id" in at
        else BoardLevel.community
    )
    return BoardEntry(
        community_id=community.id,
        level=level,
        role=role,
        name=name,
        phone=phone,
        hours=hours,
        duties=duties,
        position=0,
        verified_at=clock.now(),
        **at,
    )


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    settings = get_settings()
    taoyuan = world.communities[0]
    grids = [g for g in world.grids if g.community_id == taoyuan.id]
    for name in ("桃源第三网格", "桃源第四网格"):
        grids.append(await _unit(db, name, OrgKind.grid, taoyuan))
    buildings: list[Building] = []
    for compound, names, (first, second) in LAYOUT:
        for n, name in enumerate(names):
            grid = grids[first if n < len(names) // 2 else second]
            building = Building(
                community_id=taoyuan.id,
                grid_id=grid.id,
                compound=compound,
                name=name,
                units=2 + n % 3,
                floors=18 if compound == "桃源居" else 32,
            )
            db.add(building)
            buildings.append(building)
    await db.flush()

    entries = [
        _entry(
            taoyuan,
            BoardRole.community_staff,
            "王社工",
            "0755-86001001",
            "周一至周五 9:00-18:00",
            "民政、社保、老年服务",
        ),
        _entry(
            taoyuan,
            BoardRole.property,
            "桃源物业服务中心",
            "0755-86001002",
            "24 小时",
            "水电维修、公共设施、保洁",
        ),
        _entry(taoyuan, BoardRole.police, "桃源社区警务室", "0755-86001110", "24 小时", "治安、户籍咨询"),
        _entry(
            taoyuan,
            BoardRole.owners_committee,
            "桃源居业委会",
            "0755-86001003",
            "周六 9:00-12:00",
            "业主议事、维修基金",
        ),
        _entry(
            taoyuan,
            BoardRole.social_org,
            "桃源长者服务站",
            "0755-86001004",
            "周一至周六 8:30-17:30",
            "助餐、日间照料",
        ),
    ]
    workers = ["林晓", "陈静", "黄海", "吴敏"]
    for n, grid in enumerate(grids):
        entries.append(
            _entry(
                taoyuan,
                BoardRole.grid_worker,
                f"网格员{workers[n]}",
                f"0755-8600{2001 + n}",
                "周一至周五 8:30-18:00",
                "入户走访、矛盾调解、问题上报",
                grid_id=grid.id,
            )
        )
        entries.append(
            _entry(
                taoyuan,
                BoardRole.grid_leader,
                f"网格长{'赵钱孙李'[n]}书记",
                f"0755-8600{3001 + n}",
                None,
                "网格统筹",
                grid_id=grid.id,
            )
        )
    for n, building in enumerate(buildings[:8]):
        entries.append(
            _entry(
                taoyuan,
                BoardRole.building_lead,
                f"楼栋长{'周郑王冯陈褚卫蒋'[n]}师傅",
                f"0755-8600{4001 + n}",
                "每天 18:00-20:00",
                "楼道巡查、邻里互助、收集意见",
                building_id=building.id,
            )
        )
    entries.append(
        _entry(
            taoyuan,
            BoardRole.merchant,
            "邻里便利店",
            "0755-86005001",
            "7:00-23:00",
            "代收快递、积分兑换",
            building_id=buildings[0].id,
        )
    )
    # One community line was last verified long ago: staff's list shows it stale.
    stale = _entry(taoyuan, BoardRole.other, "旧版水电报修热线", "0755-86009999", None, "已并入物业服务中心")
    stale.verified_at = clock.now() - timedelta(days=120)
    entries.append(stale)
    db.add_all(entries)

    await _person(
        db,
        settings,
        name="林晓",
        code="demo-grid",
        username="grid",
        phone="13800000021",
        community=taoyuan,
        grants=[(Role.handler, grids[0], None)],
    )
    db.add(
        TicketCategory(
            community_id=taoyuan.id,
            name="楼道设施",
            accept_within_hours=4,
            resolve_within_hours=48,
            working_time=False,
            route_to_grid=True,
        )
    )
    for resident, building, room in zip(world.residents[:2], buildings[:2], ("501", "1203"), strict=True):
        db.add(
            ResidentAddress(
                user_id=resident.id,
                community_id=taoyuan.id,
                building_id=building.id,
                unit="1单元",
                room=room,
                valid_from=clock.now(),
                confirmed_at=clock.now(),
                confirmed_by=world.staff.id,
            )
        )
    await db.flush()
