"""Typed async builders: `await make_user(db, roles=[(Role.staff, community)])`, `await make_world(db)`."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.security import create_access_token, hash_password
from app.core.settings import Settings
from app.models.identity import OrgKind, OrgUnit, Role, RoleGrant, User
from app.models.merchants import Merchant

_seq = itertools.count(1)

TEST_SETTINGS = Settings(
    linli_env="dev",
    jwt_secret="test-secret-not-for-production-0123456789",
    wechat_api_base="http://wechat.fake",
    wechat_appid="wx-test-app",
    wechat_secret="test-secret",
    database_url=None,
)


def auth(user: User, settings: Settings = TEST_SETTINGS) -> dict[str, str]:
    token, _ = create_access_token(settings, user.id)
    return {"Authorization": f"Bearer {token}"}


async def make_unit(
    db: AsyncSession, kind: OrgKind, parent: OrgUnit | None = None, name: str | None = None, **extra: Any
) -> OrgUnit:
    unit = OrgUnit(
        name=name or f"{kind.value}-{next(_seq)}", kind=kind, parent_id=parent.id if parent else None, **extra
    )
    db.add(unit)
    await db.flush()
    unit.community_id = unit.id if kind is OrgKind.community else (parent.community_id if parent else None)
    await db.flush()
    return unit


async def make_merchant(
    db: AsyncSession, community: OrgUnit, name: str | None = None, active: bool = True
) -> Merchant:
    merchant = Merchant(community_id=community.id, name=name or f"商户{next(_seq)}", active=active)
    db.add(merchant)
    await db.flush()
    return merchant


async def make_user(
    db: AsyncSession,
    *,
    name: str | None = None,
    community: OrgUnit | None = None,
    phone: str | None = None,
    roles: list[tuple[Role, OrgUnit] | tuple[Role, OrgUnit, Merchant]] | None = None,
    username: str | None = None,
    password: str | None = None,
    birth_date: date | None = None,
    subsidy_eligible: bool = False,
    birth_date_verified: bool = True,
) -> User:
    n = next(_seq)
    user = User(
        name=name or f"居民{n}",
        openid=None if username else f"test-openid-{n}-{uuid.uuid4().hex[:8]}",
        username=username,
        password_hash=await hash_password(password) if password else None,
        phone=phone or f"139{n:08d}"[-11:],
        community_id=community.id if community else None,
        birth_date=birth_date,
        birth_date_verified_at=clock.now() if birth_date and birth_date_verified else None,
        subsidy_eligible=subsidy_eligible,
    )
    db.add(user)
    await db.flush()
    for grant in roles or []:
        role, unit = grant[0], grant[1]
        merchant = grant[2] if len(grant) > 2 else None
        db.add(
            RoleGrant(
                user_id=user.id, role=role, org_unit_id=unit.id, merchant_id=merchant.id if merchant else None
            )
        )
    await db.flush()
    return user


@dataclass
class World:
    """Two communities under one street, with one person of each role (B has its own staff and resident)."""

    street: OrgUnit
    community: OrgUnit
    other_community: OrgUnit
    grid: OrgUnit
    department: OrgUnit
    other_department: OrgUnit
    admin: User
    staff: User
    other_staff: User
    handler: User
    other_handler: User
    resident: User
    neighbour: User
    other_resident: User
    merchant: Merchant
    merchant_staff: User
    other_merchant: Merchant
    other_merchant_staff: User


async def make_world(db: AsyncSession) -> World:
    street = await make_unit(db, OrgKind.street, name="测试街道")
    a = await make_unit(db, OrgKind.community, street, name="甲社区")
    b = await make_unit(db, OrgKind.community, street, name="乙社区")
    grid = await make_unit(db, OrgKind.grid, a, name="甲一网格")
    dept = await make_unit(db, OrgKind.department, a, name="甲物业")
    dept_b = await make_unit(db, OrgKind.department, b, name="乙物业")
    merchant = await make_merchant(db, a, "甲便利店")
    merchant_b = await make_merchant(db, b, "乙便利店")
    return World(
        street=street,
        community=a,
        other_community=b,
        grid=grid,
        department=dept,
        other_department=dept_b,
        admin=await make_user(db, name="管理员", roles=[(Role.admin, street)]),
        staff=await make_user(db, name="王社工", community=a, phone="13800000001", roles=[(Role.staff, a)]),
        other_staff=await make_user(db, name="赵社工", community=b, roles=[(Role.staff, b)]),
        handler=await make_user(db, name="李师傅", community=a, roles=[(Role.handler, dept)]),
        other_handler=await make_user(db, name="钱师傅", community=b, roles=[(Role.handler, dept_b)]),
        resident=await make_user(
            db, name="张阿姨", community=a, phone="13900001234", birth_date=date(1950, 5, 1)
        ),
        neighbour=await make_user(db, name="刘大爷", community=a, phone="13900005678"),
        other_resident=await make_user(db, name="周小明", community=b, phone="13900009999"),
        merchant_staff=await make_user(db, name="陈店员", community=a, roles=[(Role.merchant, a, merchant)]),
        other_merchant_staff=await make_user(
            db, name="吴店员", community=b, roles=[(Role.merchant, b, merchant_b)]
        ),
        merchant=merchant,
        other_merchant=merchant_b,
    )
