"""Identity for everyone else: users as others see them, and who works where. Other domains ask here
(never the role tables); sign-in is `auth`, the profile `profile`, the org tree `org`, roles `grants`."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.privacy import mask_phone
from app.identity import errors
from app.identity.principal import Principal
from app.identity.schemas import RoleOut, UserOut
from app.models.identity import OrgUnit, Role, RoleGrant, User

# ---------------------------------------------------------------- users as others see them


def user_out(principal: Principal, *, reveal_phone: bool = True) -> UserOut:
    user = principal.user
    return UserOut(
        id=user.id,
        name=user.name,
        phone=user.phone if reveal_phone else mask_phone(user.phone),
        community_id=user.community_id,
        roles=[
            RoleOut(
                role=g.role, org_unit_id=g.org_unit_id, merchant_id=g.merchant_id, building_id=g.building_id
            )
            for g in principal.grants
        ],
        username=user.username,
        birth_date=user.birth_date,
        birth_date_verified=user.birth_date_verified_at is not None,
        subsidy_eligible=user.subsidy_eligible,
    )


def verified_age(user: User, day: date) -> int | None:
    """The user's age on `day` from a staff-verified birth date; None when there is none.

    A self-declared birth date (PATCH /me) never counts for a rule that costs the community.
    """
    birth = user.birth_date
    if birth is None or user.birth_date_verified_at is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


async def get_user(db: AsyncSession, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise errors.UserNotFound()
    return user


async def community_of_unit(db: AsyncSession, org_unit_id: uuid.UUID) -> uuid.UUID | None:
    unit = await db.get(OrgUnit, org_unit_id)
    return unit.community_id if unit else None


# ---------------------------------------------------------------- who works where (other domains ask here)


async def staff_of(db: AsyncSession, community_id: uuid.UUID) -> list[uuid.UUID]:
    """Users holding a staff grant at the community (not the admins above it), each once."""
    rows = await db.execute(
        select(RoleGrant.user_id)
        .where(RoleGrant.role == Role.staff, RoleGrant.org_unit_id == community_id)
        .distinct()
    )
    return list(rows.scalars())


async def handlers_of(db: AsyncSession, org_unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Users holding a handler grant at the department or grid, each once."""
    rows = await db.execute(
        select(RoleGrant.user_id)
        .where(RoleGrant.role == Role.handler, RoleGrant.org_unit_id == org_unit_id)
        .distinct()
    )
    return list(rows.scalars())


async def handler_units_in(db: AsyncSession, user_id: uuid.UUID, community_id: uuid.UUID) -> list[uuid.UUID]:
    """The departments and grids of `community_id` where `user_id` holds a handler grant."""
    rows = await db.execute(
        select(RoleGrant.org_unit_id)
        .join(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id)
        .where(
            RoleGrant.user_id == user_id, RoleGrant.role == Role.handler, OrgUnit.community_id == community_id
        )
    )
    return list(rows.scalars())


async def admins_above(db: AsyncSession, org_unit_id: uuid.UUID) -> list[uuid.UUID]:
    """Users holding an admin grant at any unit above `org_unit_id` (its street, district …), each once."""
    ancestors: list[uuid.UUID] = []
    unit = await db.get(OrgUnit, org_unit_id)
    while unit is not None and unit.parent_id is not None and unit.parent_id not in ancestors:
        ancestors.append(unit.parent_id)
        unit = await db.get(OrgUnit, unit.parent_id)
    if not ancestors:
        return []
    rows = await db.execute(
        select(RoleGrant.user_id)
        .where(RoleGrant.role == Role.admin, RoleGrant.org_unit_id.in_(ancestors))
        .distinct()
    )
    return list(rows.scalars())


async def merchant_staff_of(db: AsyncSession, merchant_id: uuid.UUID) -> list[uuid.UUID]:
    """Users working at the merchant (merchant grants), each once."""
    rows = await db.execute(
        select(RoleGrant.user_id)
        .where(RoleGrant.role == Role.merchant, RoleGrant.merchant_id == merchant_id)
        .distinct()
    )
    return list(rows.scalars())


async def staff_and_admins(db: AsyncSession) -> list[uuid.UUID]:
    """Everyone holding a staff or admin grant anywhere, each once (platform-wide notices)."""
    rows = await db.execute(
        select(RoleGrant.user_id).where(RoleGrant.role.in_([Role.staff, Role.admin])).distinct()
    )
    return list(rows.scalars())


async def get_org_unit(db: AsyncSession, unit_id: uuid.UUID) -> OrgUnit:
    unit = await db.get(OrgUnit, unit_id)
    if unit is None:
        raise errors.OrgUnitNotFound()
    return unit


async def anyone_holds_a_role_at(db: AsyncSession, org_unit_id: uuid.UUID) -> bool:
    """Whether any grant names the unit (a unit with people in it is not deleted)."""
    row = (
        await db.execute(select(RoleGrant.id).where(RoleGrant.org_unit_id == org_unit_id).limit(1))
    ).first()
    return row is not None


async def is_private_phone(db: AsyncSession, community_id: uuid.UUID, phone: str) -> bool:
    """Whether `phone` (digits compared) is the own number of someone of the community who serves nowhere
    (no staff, handler or admin grant): a resident's private phone."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    serves = exists().where(
        RoleGrant.user_id == User.id, RoleGrant.role.in_([Role.staff, Role.handler, Role.admin])
    )
    found = (
        await db.execute(
            select(User.id)
            .where(
                func.regexp_replace(User.phone, "[^0-9]", "", "g") == digits,
                User.community_id == community_id,
                ~serves,
            )
            .limit(1)
        )
    ).first()
    return found is not None
