"""The org tree (组织架构): street → community → grid / department. Services flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy import literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Forbidden, _
from app.core.pagination import Page, PageParams, page_of
from app.identity import errors
from app.identity.principal import Principal
from app.identity.schemas import OrgUnitIn, OrgUnitOut, OrgUnitPatch
from app.identity.service import get_org_unit
from app.models.identity import OrgKind, OrgUnit
from app.platform import audit

_PARENT_KIND = {
    OrgKind.community: {OrgKind.street},
    OrgKind.grid: {OrgKind.community},
    OrgKind.department: {OrgKind.community},
    OrgKind.street: {OrgKind.street},
}


async def org_unit(db: AsyncSession, unit_id: uuid.UUID) -> OrgUnitOut:
    """One unit, for anyone signed in (the tree is public inside the app)."""
    return OrgUnitOut.model_validate(await get_org_unit(db, unit_id))


async def list_org_units(
    db: AsyncSession, params: PageParams, kind: OrgKind | None, parent_id: uuid.UUID | None
) -> Page[OrgUnitOut]:
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
    page = page_of(rows, params, lambda u: [u.name, str(u.id)])
    return Page[OrgUnitOut](
        items=[OrgUnitOut.model_validate(u) for u in page.items], next_cursor=page.next_cursor
    )


async def create_org_unit(db: AsyncSession, who: Principal, body: OrgUnitIn) -> OrgUnitOut:
    """A community, grid or department under a unit `who` administers."""
    parent = await db.get(OrgUnit, body.parent_id)
    if parent is None or parent.id not in who.admin_units:
        raise errors.OrgUnitNotFound(
            _("上级组织不存在或不在您的管辖范围", "The parent unit is not in your scope")
        )
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
    return OrgUnitOut.model_validate(unit)


async def update_org_unit(
    db: AsyncSession, who: Principal, unit_id: uuid.UUID, body: OrgUnitPatch
) -> OrgUnitOut:
    unit = await get_org_unit(db, unit_id)
    if unit.id not in who.admin_units:
        if unit.community_id is not None and who.is_staff_of(unit.community_id):
            raise Forbidden()
        raise errors.OrgUnitNotFound()
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
    return OrgUnitOut.model_validate(unit)


async def create_street(db: AsyncSession, name: str) -> OrgUnit:
    """A top-level street (the CLI's create-admin and the demo make the first one)."""
    unit = OrgUnit(name=name, kind=OrgKind.street, parent_id=None, community_id=None)
    db.add(unit)
    await db.flush()
    return unit
