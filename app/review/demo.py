"""Demo review panel in 桃源社区: five members (one signs in with `demo-panel`), a closed round
"2026年上半年居民评议会" in which 楼道保洁 scored under 3.0 and opened a rectification (整改) owned by the
property company, with a progress note; and an open round for the members to score."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.settings import get_settings
from app.demo import DemoWorld, _person
from app.identity.principal import load_principal
from app.rectifications import service as rectifications
from app.rectifications.schemas import NoteIn
from app.review import panel, rounds, scoring
from app.review.schemas import MemberIn, RoundIn, ScoresIn, SelfAssessmentIn

MEMBERS = [("周建华", "demo-panel"), ("吴秀英", None), ("郑国庆", None), ("冯玉兰", None), ("何志强", None)]
ITEMS = [
    {
        "title": "长者食堂",
        "kind": "service",
        "owner_name": "邻里中心",
        "criteria": ["饭菜质量", "服务态度", "价格合理"],
    },
    {
        "title": "楼道保洁",
        "kind": "department",
        "owner_name": "桃源物业服务中心",
        "criteria": ["保洁质量", "及时性"],
    },
    {
        "title": "社区工作",
        "kind": "community_work",
        "owner_name": "桃源社区工作站",
        "criteria": ["办事效率", "信息公开"],
    },
]
# Each member's scores per item, criterion by criterion: 楼道保洁 falls under 3.0.
SHEETS = [
    [(5, 4, 4), (2, 3), (4, 4)],
    [(4, 4, 3), (2, 2), (4, 5)],
    [(5, 5, 4), (3, 2), (3, 4)],
    [(4, 5, 4), (2, 1), (4, 4)],
    [(5, 4, 5), (3, 2), (5, 4)],
]


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    settings = get_settings()
    taoyuan = world.communities[0]
    staff = await load_principal(db, world.staff)
    today = clock.today()
    members = []
    for name, code in MEMBERS:
        user = await _person(db, settings, name=name, code=code or f"demo-panel-{name}", community=taoyuan)
        await db.flush()
        await panel.appoint(
            db,
            staff,
            MemberIn(
                user_id=user.id, term_start=today - timedelta(days=365), term_end=today + timedelta(days=365)
            ),
        )
        members.append(await load_principal(db, user))
    body = RoundIn.model_validate(
        {"title": "2026年上半年居民评议会", "period": "2026年上半年", "items": ITEMS}
    )
    first = await rounds.create_round(db, staff, body)
    await rounds.open_round(db, staff, first.id)
    for member, sheet in zip(members, SHEETS, strict=True):
        pairs = [
            {
                "criterion_id": c.id,
                "score": s,
                "comment": "楼道垃圾清运不及时" if item.title == "楼道保洁" else "",
            }
            for item, scores in zip(first.items, sheet, strict=True)
            for c, s in zip(item.criteria, scores, strict=True)
        ]
        await scoring.score(db, member, first.id, ScoresIn.model_validate({"scores": pairs}))
    for item, own in zip(first.items, [(5, 5, 4), (4, 4), (4, 5)], strict=True):
        await scoring.self_assess(
            db,
            staff,
            first.id,
            SelfAssessmentIn.model_validate(
                {
                    "item_id": item.id,
                    "scores": [
                        {"criterion_id": c.id, "score": s} for c, s in zip(item.criteria, own, strict=True)
                    ],
                }
            ),
        )
    closed = await scoring.close(db, staff, first.id)
    fix = closed.items[1].result.rectification if closed.items[1].result else None
    if fix is not None:
        await rectifications.add_note(
            db, staff, fix.id, NoteIn(body="已与物业约谈，保洁改为每日两次，垃圾日产日清")
        )
    second = await rounds.create_round(
        db,
        staff,
        RoundIn.model_validate({"title": "2026年下半年居民评议会", "period": "2026年下半年", "items": ITEMS}),
    )
    await rounds.open_round(db, staff, second.id)
