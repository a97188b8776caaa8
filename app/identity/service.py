"""Identity rules: sign-in, tokens, the org tree, roles and invitations. Services flush, never commit."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import literal, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import Forbidden, NotFound, ValidationFailed, _
from app.core.pagination import Page, PageParams, page_of
from app.core.privacy import mask_phone
from app.core.ratelimit import Limiter, attempt
from app.core.security import (
    create_access_token,
    hash_password,
    new_secret_token,
    sha256_hex,
    verify_password,
)
from app.core.settings import Settings
from app.grid import service as grid_service
from app.identity import errors, principal_cache
from app.identity.principal import Principal, load_principal
from app.identity.schemas import (
    EligibilityIn,
    InvitationIn,
    InvitationOut,
    MePatch,
    OrgUnitIn,
    OrgUnitPatch,
    RoleOut,
    TokenOut,
    UserIn,
    UserOut,
)
from app.models.identity import Invitation, OrgKind, OrgUnit, RefreshToken, Role, RoleGrant, User
from app.models.merchants import Merchant
from app.platform import audit
from app.wechat.client import WechatClient

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


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
        raise NotFound()
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


# ---------------------------------------------------------------- tokens


async def _issue_tokens(
    db: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID | None = None
) -> TokenOut:
    access, expires_in = create_access_token(settings, user.id)
    refresh = new_secret_token()
    db.add(
        RefreshToken(
            user_id=user.id,
            token_hash=sha256_hex(refresh),
            family_id=family_id or uuid.uuid4(),
            expires_at=clock.now() + timedelta(days=settings.refresh_token_days),
        )
    )
    await db.flush()
    principal = await load_principal(db, user)
    return TokenOut(
        access_token=access, refresh_token=refresh, expires_in=expires_in, user=user_out(principal)
    )


async def wechat_login(db: AsyncSession, settings: Settings, wechat: WechatClient, code: str) -> TokenOut:
    """wx.login code → code2Session → the resident (created on first login) and a token pair."""
    session = await wechat.code2session(code)
    user = (await db.execute(select(User).where(User.openid == session.openid))).scalar_one_or_none()
    if user is None:
        user = User(openid=session.openid, unionid=session.unionid, session_key=session.session_key, name="")
        db.add(user)
        await db.flush()
    else:
        user.session_key = session.session_key
        if not user.is_active:
            raise errors.BadCredentials(_("账号已停用", "The account is disabled"))
    return await _issue_tokens(db, settings, user)


def _login_key(username: str) -> str:
    return "login:" + username.strip().lower()


async def password_login(
    db: AsyncSession,
    settings: Settings,
    limiter: Limiter,
    username: str,
    password: str,
    client_address: str | None = None,
) -> TokenOut:
    """OAuth2 password flow for desk accounts; repeated failures lock the username for a while.

    Count first, then verify: the attempt is counted (per username, and per client address) before
    argon2 runs, so parallel guesses cannot all slip past a check made before any failure counted.
    A successful login gives its counts back.
    """
    checks = [(_login_key(username), settings.login_attempts_per_window, settings.login_window_seconds)]
    if client_address:
        checks.append(
            (
                f"login-addr:{client_address}",
                settings.login_attempts_per_address,
                settings.login_window_seconds,
            )
        )
    await attempt(
        limiter, checks, _("密码错误次数过多，请稍后再试", "Too many failed attempts; try again later")
    )
    user = (await db.execute(select(User).where(User.username == username.strip()))).scalar_one_or_none()
    ok = await verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        raise errors.BadCredentials()
    for key, _limit, _window in checks:
        await limiter.undo(key)
    return await _issue_tokens(db, settings, user)


async def refresh(db: AsyncSession, settings: Settings, token: str) -> TokenOut:
    """Rotate: the presented token is spent; presenting a spent one revokes its whole family."""
    row = (
        await db.execute(
            select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise errors.RefreshTokenInvalid()
    now = clock.now()
    if row.used_at is not None:
        await revoke_family(db, row.family_id)
        raise errors.RefreshTokenReused()
    if row.expires_at <= now:
        raise errors.RefreshTokenInvalid()
    row.used_at = now
    user = await db.get(User, row.user_id)
    if user is None or not user.is_active:
        raise errors.RefreshTokenInvalid()
    return await _issue_tokens(db, settings, user, family_id=row.family_id)


async def revoke_family(db: AsyncSession, family_id: uuid.UUID) -> None:
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


async def logout(db: AsyncSession, token: str) -> None:
    row = (
        await db.execute(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)))
    ).scalar_one_or_none()
    if row is not None:
        await revoke_family(db, row.family_id)


async def bind_phone(db: AsyncSession, wechat: WechatClient, who: Principal, code: str) -> UserOut:
    who.user.phone = await wechat.phone_number(code)
    await db.flush()
    principal_cache.forget(who.id)
    return user_out(who)


# ---------------------------------------------------------------- me


def _check_birth_date(birth: date) -> None:
    if birth > clock.local_now().date() or birth.year < 1900:
        raise ValidationFailed(_("出生日期不合理", "The birth date is not plausible"))


async def verify_eligibility(
    db: AsyncSession, who: Principal, user_id: uuid.UUID, body: EligibilityIn
) -> UserOut:
    """Staff record what they checked at the desk: the birth date and/or the subsidy flag (audited)."""
    user = await db.get(User, user_id)
    if user is None or not who.is_staff_of(user.community_id):
        raise NotFound()
    if user.id == who.id:
        raise Forbidden(_("不能核验自己的资格", "You cannot verify your own eligibility"))
    if body.birth_date is not None:
        _check_birth_date(body.birth_date)
        user.birth_date = body.birth_date
        user.birth_date_verified_at = clock.now()
        user.birth_date_verified_by = who.id
    if body.subsidy_eligible is not None:
        user.subsidy_eligible = body.subsidy_eligible
    await audit.record(
        db,
        actor_id=who.id,
        action="user.eligibility_verified",
        target_type="user",
        target_id=user.id,
        community_id=user.community_id,
        **body.model_dump(exclude_none=True, mode="json"),
    )
    await db.flush()
    principal_cache.forget(user.id)
    return user_out(await load_principal(db, user))


async def update_me(db: AsyncSession, who: Principal, body: MePatch) -> UserOut:
    if body.name is not None:
        who.user.name = body.name
    if body.birth_date is not None:
        _check_birth_date(body.birth_date)
        if body.birth_date != who.user.birth_date:
            # A changed birth date is self-declared again until staff check it.
            who.user.birth_date = body.birth_date
            who.user.birth_date_verified_at = None
            who.user.birth_date_verified_by = None
    if body.community_id is not None:
        unit = await db.get(OrgUnit, body.community_id)
        if unit is None or unit.kind is not OrgKind.community:
            raise errors.BadOrgUnit(_("请选择一个社区", "Choose a community"))
        who.user.community_id = unit.id
    await db.flush()
    principal_cache.forget(who.id)
    return user_out(await load_principal(db, who.user))


# ---------------------------------------------------------------- org tree

_PARENT_KIND = {
    OrgKind.community: {OrgKind.street},
    OrgKind.grid: {OrgKind.community},
    OrgKind.department: {OrgKind.community},
    OrgKind.street: {OrgKind.street},
}


async def get_org_unit(db: AsyncSession, unit_id: uuid.UUID) -> OrgUnit:
    unit = await db.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    return unit


async def list_org_units(
    db: AsyncSession, params: PageParams, kind: OrgKind | None, parent_id: uuid.UUID | None
) -> Page[Any]:
    query = select(OrgUnit).order_by(OrgUnit.name, OrgUnit.id).limit(params.limit + 1)
    if kind is not None:
        query = query.where(OrgUnit.kind == kind)
    if parent_id is not None:
        query = query.where(OrgUnit.parent_id == parent_id)
    position = params.after(str, uuid.UUID)
    if position:
        name, last_id = position
        query = query.where(tuple_(OrgUnit.name, OrgUnit.id) > tuple_(literal(name), literal(last_id)))
    rows = list((await db.execute(query)).scalars())
    return page_of(rows, params, lambda u: [u.name, str(u.id)])


async def create_org_unit(db: AsyncSession, who: Principal, body: OrgUnitIn) -> OrgUnit:
    parent = await db.get(OrgUnit, body.parent_id)
    if parent is None or parent.id not in who.admin_units:
        raise NotFound(_("上级组织不存在或不在您的管辖范围", "The parent unit is not in your scope"))
    if parent.kind not in _PARENT_KIND[body.kind]:
        raise errors.BadOrgUnit(
            _(
                f"{body.kind.value} 不能设在 {parent.kind.value} 之下",
                f"A {body.kind.value} cannot sit under a {parent.kind.value}",
            )
        )
    unit = OrgUnit(name=body.name, kind=body.kind, parent_id=parent.id)
    db.add(unit)
    await db.flush()
    unit.community_id = unit.id if body.kind is OrgKind.community else parent.community_id
    await audit.record(
        db,
        actor_id=who.id,
        action="org_unit.create",
        target_type="org_unit",
        target_id=unit.id,
        community_id=unit.community_id,
        name=unit.name,
    )
    await db.flush()
    return unit


async def update_org_unit(
    db: AsyncSession, who: Principal, unit_id: uuid.UUID, body: OrgUnitPatch
) -> OrgUnit:
    unit = await get_org_unit(db, unit_id)
    if unit.id not in who.admin_units:
        if unit.community_id is not None and who.is_staff_of(unit.community_id):
            raise Forbidden()
        raise NotFound()
    for field, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(unit, field, value)
    await audit.record(
        db,
        actor_id=who.id,
        action="org_unit.update",
        target_type="org_unit",
        target_id=unit.id,
        community_id=unit.community_id,
        **body.model_dump(exclude_unset=True, mode="json"),
    )
    await db.flush()
    return unit


async def create_street(db: AsyncSession, name: str) -> OrgUnit:
    unit = OrgUnit(name=name, kind=OrgKind.street, parent_id=None, community_id=None)
    db.add(unit)
    await db.flush()
    return unit


# ---------------------------------------------------------------- roles and invitations


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
            raise NotFound()
        org_unit_id = merchant.community_id
    elif merchant_id is not None:
        raise ValidationFailed(_("只有商户店员角色可指定商户", "Only the merchant role takes merchant_id"))
    if org_unit_id is None:
        raise ValidationFailed(_("请指定组织", "org_unit_id is required"))
    unit = await db.get(OrgUnit, org_unit_id)
    if unit is None or not (unit.id in who.admin_units or who.is_staff_of(unit.community_id)):
        raise NotFound()
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
