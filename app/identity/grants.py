"""Roles (角色): invitations that grant them, desk accounts that hold them, the first admin.
Services flush, never commit."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import Forbidden, ValidationFailed, _
from app.core.ratelimit import Limiter, attempt
from app.core.security import hash_password, sha256_hex
from app.core.settings import Settings
from app.grid import service as grid_service
from app.identity import errors, principal_cache
from app.identity.org import create_street
from app.identity.principal import Principal, load_principal
from app.identity.schemas import InvitationIn, InvitationOut, UserIn, UserOut
from app.identity.service import community_of_unit, user_out
from app.models.identity import Invitation, OrgKind, OrgUnit, Role, RoleGrant, User
from app.models.merchants import Merchant
from app.platform import audit

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def _may_grant(who: Principal, role: Role, unit: OrgUnit) -> bool:
    if role is Role.admin:
        return unit.id in who.admin_units
    if unit.id in who.admin_units:
        return True
    return who.is_staff_of(unit.community_id)


async def _target_of_grant(
    db: AsyncSession, who: Principal, role: Role, org_unit_id: uuid.UUID | None, merchant_id: uuid.UUID | None
) -> tuple[OrgUnit, uuid.UUID | None]:
    """Check that `who` may hand out `role` there; return the org unit (and merchant) it binds to."""
    if role is Role.resident:
        raise ValidationFailed(_("居民身份无需邀请", "Residents need no invitation"))
    if role is Role.merchant:
        if merchant_id is None:
            raise ValidationFailed(_("商户店员邀请需指定商户", "A merchant invitation needs merchant_id"))
        merchant = await db.get(Merchant, merchant_id)
        if merchant is None or not who.is_staff_of(merchant.community_id):
            raise errors.MerchantNotFound()
        org_unit_id = merchant.community_id
    elif merchant_id is not None:
        raise ValidationFailed(_("只有商户店员角色可指定商户", "Only the merchant role takes merchant_id"))
    if org_unit_id is None:
        raise ValidationFailed(_("请指定组织", "org_unit_id is required"))
    unit = await db.get(OrgUnit, org_unit_id)
    if unit is None or not (unit.id in who.admin_units or who.is_staff_of(unit.community_id)):
        raise errors.OrgUnitNotFound()
    allowed_kinds = {
        Role.handler: {OrgKind.department, OrgKind.grid},
        Role.staff: {OrgKind.community},
        Role.merchant: {OrgKind.community},
        Role.admin: {OrgKind.street, OrgKind.community},
        Role.building_lead: {OrgKind.grid},
        Role.agent: {OrgKind.community, OrgKind.grid},
    }[role]
    if unit.kind not in allowed_kinds:
        raise errors.BadOrgUnit(
            _(
                f"{role.value} 角色不能设在 {unit.kind.value}",
                f"The {role.value} role cannot be held at a {unit.kind.value}",
            )
        )
    if not _may_grant(who, role, unit):
        raise Forbidden()
    return unit, merchant_id


def _new_invitation_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(10))


async def create_invitation(
    db: AsyncSession, settings: Settings, who: Principal, body: InvitationIn
) -> InvitationOut:
    org_unit_id, building_id = body.org_unit_id, None
    if body.role is Role.building_lead:
        # 楼栋长: held at the building's grid, naming the building; the grid domain scopes the building.
        if body.building_id is None:
            raise ValidationFailed(_("楼栋长邀请需指定楼栋", "A building_lead invitation needs building_id"))
        building = await grid_service.get_building(db, who, body.building_id)
        org_unit_id, building_id = building.grid_id, building.id
    elif body.building_id is not None:
        raise ValidationFailed(_("只有楼栋长角色可指定楼栋", "Only the building_lead role takes building_id"))
    unit, merchant_id = await _target_of_grant(db, who, body.role, org_unit_id, body.merchant_id)
    code = _new_invitation_code()
    invitation = Invitation(
        code_hash=sha256_hex(code),
        role=body.role,
        org_unit_id=unit.id,
        merchant_id=merchant_id,
        building_id=building_id,
        created_by=who.id,
        expires_at=clock.now() + timedelta(days=settings.invitation_days),
    )
    db.add(invitation)
    await audit.record(
        db,
        actor_id=who.id,
        action="invitation.create",
        target_type="invitation",
        target_id=None,
        community_id=unit.community_id,
        role=body.role.value,
    )
    await db.flush()
    return InvitationOut(
        code=code,
        expires_at=invitation.expires_at,
        role=invitation.role,
        org_unit_id=unit.id,
        merchant_id=merchant_id,
        building_id=building_id,
    )


async def accept_invitation(db: AsyncSession, limiter: Limiter, who: Principal, code: str) -> UserOut:
    # Codes are 10 characters of 32 symbols (~10^15); 10 wrong tries per 10 minutes makes guessing hopeless.
    # Counted first; a code that exists (even used or expired) was not a guess and is given back.
    key = f"invite:{who.id}"
    await attempt(limiter, [(key, 10, 600)])
    invitation = (
        await db.execute(
            select(Invitation)
            .where(Invitation.code_hash == sha256_hex(code.strip().upper()))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if invitation is None:
        raise errors.InvitationNotFound()
    await limiter.undo(key)
    if invitation.accepted_at is not None:
        raise errors.InvitationUsed()
    if invitation.expires_at <= clock.now():
        raise errors.InvitationExpired()
    invitation.accepted_by = who.id
    invitation.accepted_at = clock.now()
    exists = (
        await db.execute(
            select(RoleGrant.id).where(
                RoleGrant.user_id == who.id,
                RoleGrant.role == invitation.role,
                RoleGrant.org_unit_id == invitation.org_unit_id,
                RoleGrant.merchant_id.is_(None)
                if invitation.merchant_id is None
                else RoleGrant.merchant_id == invitation.merchant_id,
                RoleGrant.building_id.is_(None)
                if invitation.building_id is None
                else RoleGrant.building_id == invitation.building_id,
            )
        )
    ).first()
    if exists is None:
        db.add(
            RoleGrant(
                user_id=who.id,
                role=invitation.role,
                org_unit_id=invitation.org_unit_id,
                merchant_id=invitation.merchant_id,
                building_id=invitation.building_id,
                granted_by=invitation.created_by,
            )
        )
        principal_cache.forget(who.id)
    await audit.record(
        db,
        actor_id=who.id,
        action="invitation.accept",
        target_type="user",
        target_id=who.id,
        community_id=await community_of_unit(db, invitation.org_unit_id),
        role=invitation.role.value,
    )
    await db.flush()
    return user_out(await load_principal(db, who.user))


async def create_desk_user(db: AsyncSession, who: Principal, body: UserIn) -> UserOut:
    """A username/password account for staff at a desk (admin only)."""
    if any(r.role is Role.building_lead for r in body.roles):
        raise ValidationFailed(_("楼栋长由邀请产生", "Building leads are made by invitation"))
    targets = [await _target_of_grant(db, who, r.role, r.org_unit_id, r.merchant_id) for r in body.roles]
    taken = (await db.execute(select(User.id).where(User.username == body.username))).first()
    if taken is not None:
        raise errors.UsernameTaken()
    user = User(username=body.username, password_hash=await hash_password(body.password), name=body.name)
    db.add(user)
    await db.flush()
    for role_in, (unit, merchant_id) in zip(body.roles, targets, strict=True):
        db.add(
            RoleGrant(
                user_id=user.id,
                role=role_in.role,
                org_unit_id=unit.id,
                merchant_id=merchant_id,
                granted_by=who.id,
            )
        )
    await audit.record(
        db,
        actor_id=who.id,
        action="user.create",
        target_type="user",
        target_id=user.id,
        username=body.username,
    )
    await db.flush()
    return user_out(await load_principal(db, user))


async def ensure_admin(db: AsyncSession, username: str, password: str, street_name: str = "示范街道") -> User:
    """`create-admin`: an admin at the root street (created if none exists). Idempotent per username."""
    street = (
        (
            await db.execute(
                select(OrgUnit)
                .where(OrgUnit.kind == OrgKind.street, OrgUnit.parent_id.is_(None))
                .order_by(OrgUnit.created_at)
            )
        )
        .scalars()
        .first()
    )
    if street is None:
        street = await create_street(db, street_name)
    user = (await db.execute(select(User).where(User.username == username))).scalar_one_or_none()
    if user is None:
        user = User(username=username, name=username, password_hash=await hash_password(password))
        db.add(user)
        await db.flush()
    else:
        user.password_hash = await hash_password(password)
    has = (
        await db.execute(
            select(RoleGrant.id).where(
                RoleGrant.user_id == user.id, RoleGrant.role == Role.admin, RoleGrant.org_unit_id == street.id
            )
        )
    ).first()
    if has is None:
        db.add(RoleGrant(user_id=user.id, role=Role.admin, org_unit_id=street.id))
    await db.flush()
    return user
