"""Demo data for `make run` (seed-demo): a street, two communities, grids, departments, people.

Demo WeChat users are keyed by the openid the local WeChat fake derives from a login code, so
`wechat-login {"code": "demo-resident"}` always signs in as the same seeded resident. Each domain adds
its own demo records in `app/<domain>/demo.py: async def seed(db, world)` (listed in `app/domains.py`);
they run after this.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import domains
from app.core import clock
from app.core.security import hash_password
from app.core.settings import Settings
from app.models.identity import OrgKind, OrgUnit, Role, RoleGrant, User
from app.models.merchants import Merchant

log = logging.getLogger("linli.demo")

STREET_NAME = "南山示范街道"
DEMO_PASSWORD = "linli-demo-2026"


@dataclass
class DemoWorld:
    street: OrgUnit
    communities: list[OrgUnit]
    grids: list[OrgUnit]
    departments: dict[str, OrgUnit]
    admin: User
    staff: User
    staff_b: User
    handler: User
    merchant_staff: User
    merchant: Merchant
    residents: list[User] = field(default_factory=list)


def fake_openid(settings: Settings, code: str) -> str:
    """The openid the WeChat fake gives `code` (see app.wechat.fake)."""
    return "o" + hashlib.sha256(f"{settings.wechat_appid}:{code}".encode()).hexdigest()[:27]


async def _unit(db: AsyncSession, name: str, kind: OrgKind, parent: OrgUnit | None) -> OrgUnit:
    unit = OrgUnit(name=name, kind=kind, parent_id=parent.id if parent else None)
    db.add(unit)
    await db.flush()
    unit.community_id = unit.id if kind is OrgKind.community else (parent.community_id if parent else None)
    return unit


async def _person(
    db: AsyncSession,
    settings: Settings,
    *,
    name: str,
    code: str | None = None,
    username: str | None = None,
    phone: str | None = None,
    community: OrgUnit | None = None,
    birth: date | None = None,
    grants: list[tuple[Role, OrgUnit, Merchant | None]] = (),  # type: ignore[assignment]
) -> User:
    user = User(
        name=name,
        openid=fake_openid(settings, code) if code else None,
        username=username,
        password_hash=await hash_password(DEMO_PASSWORD) if username else None,
        phone=phone,
        community_id=community.id if community else None,
        birth_date=birth,
        # Demo elders have had their birth date checked at the desk (verified_by stays empty: the seed).
        birth_date_verified_at=clock.now() if birth else None,
        subsidy_eligible=bool(birth and birth.year <= 1960),
    )
    db.add(user)
    await db.flush()
    for role, unit, merchant in grants:
        db.add(
            RoleGrant(
                user_id=user.id, role=role, org_unit_id=unit.id, merchant_id=merchant.id if merchant else None
            )
        )
    return user


async def seed(db: AsyncSession, settings: Settings) -> DemoWorld | None:
    """Load the demo once; returns None when it is already there."""
    existing = (await db.execute(select(OrgUnit.id).where(OrgUnit.name == STREET_NAME))).first()
    if existing is not None:
        return None
    street = await _unit(db, STREET_NAME, OrgKind.street, None)
    taoyuan = await _unit(db, "桃源社区", OrgKind.community, street)
    dachong = await _unit(db, "大冲社区", OrgKind.community, street)
    grids = [await _unit(db, f"桃源第{n}网格", OrgKind.grid, taoyuan) for n in ("一", "二")]
    grids.append(await _unit(db, "大冲第一网格", OrgKind.grid, dachong))
    departments = {
        "property": await _unit(db, "桃源物业服务中心", OrgKind.department, taoyuan),
        "urban": await _unit(db, "城管执法队", OrgKind.department, taoyuan),
        "station": await _unit(db, "桃源社区工作站", OrgKind.department, taoyuan),
        "property_b": await _unit(db, "大冲物业服务中心", OrgKind.department, dachong),
    }
    merchant = Merchant(community_id=taoyuan.id, name="邻里便利店")
    db.add(merchant)
    await db.flush()
    admin = await _person(
        db, settings, name="街道管理员", username="admin", grants=[(Role.admin, street, None)]
    )
    staff = await _person(
        db,
        settings,
        name="王社工",
        code="demo-staff",
        username="staff",
        phone="13800000001",
        community=taoyuan,
        grants=[(Role.staff, taoyuan, None)],
    )
    staff_b = await _person(
        db,
        settings,
        name="赵社工",
        username="staff_b",
        phone="13800000005",
        community=dachong,
        grants=[(Role.staff, dachong, None)],
    )
    handler = await _person(
        db,
        settings,
        name="李师傅",
        code="demo-handler",
        username="handler",
        phone="13800000002",
        community=taoyuan,
        grants=[(Role.handler, departments["property"], None)],
    )
    merchant_staff = await _person(
        db,
        settings,
        name="陈店员",
        code="demo-merchant",
        phone="13800000003",
        community=taoyuan,
        grants=[(Role.merchant, taoyuan, merchant)],
    )
    residents = [
        await _person(
            db,
            settings,
            name="张阿姨",
            code="demo-resident",
            phone="13900001234",
            community=taoyuan,
            birth=date(1952, 3, 8),
        ),
        await _person(
            db,
            settings,
            name="刘大爷",
            code="demo-elder",
            phone="13900005678",
            community=taoyuan,
            birth=date(1948, 10, 1),
        ),
        await _person(
            db,
            settings,
            name="周小明",
            code="demo-young",
            phone="13900009999",
            community=dachong,
            birth=date(1995, 6, 18),
        ),
    ]
    world = DemoWorld(
        street,
        [taoyuan, dachong],
        grids,
        departments,
        admin,
        staff,
        staff_b,
        handler,
        merchant_staff,
        merchant,
        residents,
    )
    await db.flush()
    for seed in domains.demo_seeders():
        await seed(db, world)
        await db.flush()
    log.info("demo data loaded")
    return world


def login_help(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""
Linli demo is up: {base}/docs
  Resident (WeChat fake):  curl -s -X POST {base}/api/v1/auth/wechat-login \\
                             -H 'Content-Type: application/json' -d '{{"code":"demo-resident"}}'
  Other WeChat demo codes: demo-elder, demo-young, demo-staff, demo-handler, demo-merchant
  Desk accounts (password {DEMO_PASSWORD}): admin, staff, staff_b, handler
                           curl -s -X POST {base}/api/v1/auth/token -d 'username=staff&password={DEMO_PASSWORD}'
"""
