"""The catalogue (事项清单): items and their immutable versions. Services flush, never commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.pagination import Page, PageParams, page_of
from app.identity.community import acting_community
from app.identity.principal import Principal
from app.models.identity import OrgKind, OrgUnit, Role
from app.models.service_items import CATEGORY_LABELS, ItemCategory, ServiceItem, ServiceItemVersion
from app.platform import audit
from app.service_items.errors import (
    InvalidDepartment,
    ItemCodeTaken,
    ItemNotFound,
)
from app.service_items.schemas import ItemIn, ItemOut, ItemPatch, ItemRules, MaterialIn, MaterialOut

RULE_FIELDS = (
    "name",
    "category",
    "department_id",
    "conditions",
    "materials",
    "time_limit_days",
    "fee_fen",
    "channels",
    "legal_basis",
)


def agent_communities(who: Principal) -> frozenset[uuid.UUID]:
    return frozenset(g.community_id for g in who.grants if g.role is Role.agent and g.community_id)


def readable_communities(who: Principal) -> set[uuid.UUID]:
    """Communities whose catalogue the caller reads: their own, where they work, where they act."""
    mine = set(who.staff_communities) | set(who.handler_communities) | set(agent_communities(who))
    if who.community_id is not None:
        mine.add(who.community_id)
    return mine


def write_community(who: Principal, community_id: uuid.UUID | None) -> uuid.UUID:
    """The community a new record belongs to: the shared rule (app.identity.community)."""
    return acting_community(who, community_id)


def materials_with_ids(materials: list[MaterialIn]) -> list[dict[str, Any]]:
    return [{"id": f"m{i}", **m.model_dump()} for i, m in enumerate(materials, start=1)]


async def check_department(db: AsyncSession, community_id: uuid.UUID, department_id: uuid.UUID) -> OrgUnit:
    unit = await db.get(OrgUnit, department_id)
    if unit is None or unit.community_id != community_id or unit.kind is not OrgKind.department:
        raise InvalidDepartment()
    return unit


def item_out(item: ServiceItem, version: ServiceItemVersion, department_name: str) -> ItemOut:
    return ItemOut(
        id=item.id,
        community_id=item.community_id,
        code=item.code,
        version=version.version,
        version_id=version.id,
        active=item.active,
        name=version.name,
        category=version.category,
        category_label=CATEGORY_LABELS[version.category],
        department_id=version.department_id,
        department_name=department_name,
        conditions=version.conditions,
        materials=[MaterialOut(**m) for m in version.materials],
        time_limit_days=version.time_limit_days,
        fee_fen=version.fee_fen,
        channels=list(version.channels),
        legal_basis=version.legal_basis,
        updated_at=item.updated_at,
    )


async def _out(db: AsyncSession, item: ServiceItem, version: ServiceItemVersion) -> ItemOut:
    unit = await db.get(OrgUnit, version.department_id)
    return item_out(item, version, unit.name if unit else "")


async def current_version(db: AsyncSession, item: ServiceItem) -> ServiceItemVersion:
    version = await db.scalar(
        select(ServiceItemVersion).where(
            ServiceItemVersion.item_id == item.id, ServiceItemVersion.version == item.current_version
        )
    )
    assert version is not None
    return version


def _version_row(item: ServiceItem, number: int, rules: ItemRules, who: Principal) -> ServiceItemVersion:
    return ServiceItemVersion(
        id=uuid.uuid4(),
        item_id=item.id,
        version=number,
        name=rules.name,
        category=rules.category,
        department_id=rules.department_id,
        conditions=rules.conditions,
        materials=materials_with_ids(rules.materials),
        time_limit_days=rules.time_limit_days,
        fee_fen=rules.fee_fen,
        channels=sorted({c.value for c in rules.channels}),
        legal_basis=rules.legal_basis,
        created_by=who.id,
    )


async def create_item(db: AsyncSession, who: Principal, body: ItemIn) -> ItemOut:
    community_id = write_community(who, body.community_id)
    await check_department(db, community_id, body.department_id)
    taken = await db.scalar(
        select(ServiceItem.id).where(ServiceItem.community_id == community_id, ServiceItem.code == body.code)
    )
    if taken is not None:
        raise ItemCodeTaken()
    item = ServiceItem(
        id=uuid.uuid4(), community_id=community_id, code=body.code, current_version=1, created_by=who.id
    )
    db.add(item)
    await db.flush()
    version = _version_row(item, 1, body, who)
    db.add(version)
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="service_item.create",
        target_type="service_item",
        target_id=item.id,
        community_id=community_id,
        code=item.code,
    )
    return await _out(db, item, version)


async def _visible_item(
    db: AsyncSession, who: Principal, item_id: uuid.UUID, *, lock: bool = False
) -> ServiceItem:
    query = select(ServiceItem).where(ServiceItem.id == item_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    item = (await db.execute(query)).scalar_one_or_none()
    if item is None or item.community_id not in readable_communities(who):
        raise ItemNotFound()
    if not item.active and not who.is_staff_of(item.community_id):
        raise ItemNotFound()
    return item


async def get_item(db: AsyncSession, who: Principal, item_id: uuid.UUID) -> ItemOut:
    item = await _visible_item(db, who, item_id)
    return await _out(db, item, await current_version(db, item))


async def load_item_for_use(
    db: AsyncSession, who: Principal, item_id: uuid.UUID
) -> tuple[ServiceItem, ServiceItemVersion]:
    item = await _visible_item(db, who, item_id)
    return item, await current_version(db, item)


async def list_items(
    db: AsyncSession,
    who: Principal,
    params: PageParams,
    *,
    community_id: uuid.UUID | None,
    category: ItemCategory | None,
    q: str | None,
    include_inactive: bool,
) -> Page[Any]:
    """Items of the caller's communities by code, each in its current version."""
    scope = readable_communities(who)
    if community_id is not None:
        scope &= {community_id}
    query = (
        select(ServiceItem, ServiceItemVersion, OrgUnit.name)
        .join(
            ServiceItemVersion,
            and_(
                ServiceItemVersion.item_id == ServiceItem.id,
                ServiceItemVersion.version == ServiceItem.current_version,
            ),
        )
        .join(OrgUnit, OrgUnit.id == ServiceItemVersion.department_id)
        .where(ServiceItem.community_id.in_(scope))
    )
    if not include_inactive:
        query = query.where(ServiceItem.active.is_(True))
    else:
        query = query.where(
            or_(ServiceItem.active.is_(True), ServiceItem.community_id.in_(who.staff_communities))
        )
    if category is not None:
        query = query.where(ServiceItemVersion.category == category)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(ServiceItemVersion.name.ilike(pattern), ServiceItem.code.ilike(pattern)))
    position = params.after(str, uuid.UUID)
    if position is not None:
        code, last_id = position
        query = query.where(
            or_(ServiceItem.code > code, and_(ServiceItem.code == code, ServiceItem.id > last_id))
        )
    rows = (await db.execute(query.order_by(ServiceItem.code, ServiceItem.id).limit(params.limit + 1))).all()
    page = page_of(list(rows), params, lambda r: [r[0].code, str(r[0].id)])
    page.items = [item_out(item, version, dept) for item, version, dept in page.items]
    return page


async def update_item(db: AsyncSession, who: Principal, item_id: uuid.UUID, body: ItemPatch) -> ItemOut:
    """Change the rules (a new version; applications in flight keep theirs) or the active flag."""
    item = await _visible_item(db, who, item_id, lock=True)
    if not who.is_staff_of(item.community_id):
        raise ItemNotFound()
    version = await current_version(db, item)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "active" in changes:
        item.active = changes.pop("active")
    current = ItemRules(
        name=version.name,
        category=version.category,
        department_id=version.department_id,
        conditions=version.conditions,
        materials=[MaterialIn(**{k: v for k, v in m.items() if k != "id"}) for m in version.materials],
        time_limit_days=version.time_limit_days,
        fee_fen=version.fee_fen,
        channels=list(version.channels),
        legal_basis=version.legal_basis,
    )
    new = current.model_copy(update={k: getattr(body, k) for k in changes})
    if new.department_id != current.department_id:
        await check_department(db, item.community_id, new.department_id)
    if new.model_dump() != current.model_dump():
        item.current_version += 1
        version = _version_row(item, item.current_version, new, who)
        db.add(version)
    item.updated_at = clock.now()
    await db.flush()
    await audit.record(
        db,
        actor_id=who.id,
        action="service_item.update",
        target_type="service_item",
        target_id=item.id,
        community_id=item.community_id,
        version=item.current_version,
        fields=",".join(sorted(body.model_dump(exclude_unset=True))),
    )
    return await _out(db, item, version)


async def version_of(db: AsyncSession, version_id: uuid.UUID) -> ServiceItemVersion:
    version = await db.get(ServiceItemVersion, version_id)
    assert version is not None
    return version


__all__ = ["RULE_FIELDS", "agent_communities", "create_item", "get_item", "list_items", "update_item"]
