"""Your own profile (PATCH /me) and what staff verify of a resident at the desk (资格核验)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import Forbidden, ValidationFailed, _
from app.identity import errors, principal_cache
from app.identity.principal import Principal, load_principal
from app.identity.schemas import EligibilityIn, MePatch, UserOut
from app.identity.service import user_out
from app.models.identity import OrgKind, OrgUnit, User
from app.platform import audit


def _check_birth_date(birth: date) -> None:
    if birth > clock.local_now().date() or birth.year < 1900:
        raise ValidationFailed(_("出生日期不合理", "The birth date is not plausible"))


async def verify_eligibility(
    db: AsyncSession, who: Principal, user_id: uuid.UUID, body: EligibilityIn
) -> UserOut:
    """Staff record what they checked at the desk: the birth date and/or the subsidy flag (audited)."""
    user = await db.get(User, user_id)
    if user is None or not who.is_staff_of(user.community_id):
        raise errors.UserNotFound()
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
