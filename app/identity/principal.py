"""Who is calling: the `Principal` (the user, their grants and the communities they may act in).

A domain type, built once per request by `app.identity.deps.current_principal` from the bearer token.
Scoping helpers answer "may this caller see records of community X"; services use them in their WHERE
clauses so an out-of-scope record is simply not found (404), never a 403 that would confirm it exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.identity import OrgUnit, Role, RoleGrant, User


@dataclass(frozen=True)
class Grant:
    role: Role
    org_unit_id: uuid.UUID
    merchant_id: uuid.UUID | None
    community_id: uuid.UUID | None
    building_id: uuid.UUID | None = None


@dataclass
class Principal:
    user: User
    grants: list[Grant]
    # Communities where the caller acts as staff: staff grants, plus every community under an admin grant.
    staff_communities: frozenset[uuid.UUID] = field(default_factory=frozenset)
    admin_communities: frozenset[uuid.UUID] = field(default_factory=frozenset)
    # Org units (the admin grant roots and everything beneath them) an admin governs.
    admin_units: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def community_id(self) -> uuid.UUID | None:
        return self.user.community_id

    def has_role(self, role: Role | str) -> bool:
        role = Role(role)
        if role is Role.resident:
            return True  # everyone signed in is a resident of somewhere, or about to be
        if role is Role.staff:
            return bool(self.staff_communities)
        return any(g.role is role for g in self.grants)

    def is_staff_of(self, community_id: uuid.UUID | None) -> bool:
        return community_id is not None and community_id in self.staff_communities

    def is_admin_of(self, community_id: uuid.UUID | None) -> bool:
        return community_id is not None and community_id in self.admin_communities

    @property
    def handler_units(self) -> frozenset[uuid.UUID]:
        """Departments and grids where the caller works tickets (handler)."""
        return frozenset(g.org_unit_id for g in self.grants if g.role is Role.handler)

    @property
    def handler_communities(self) -> frozenset[uuid.UUID]:
        return frozenset(g.community_id for g in self.grants if g.role is Role.handler and g.community_id)

    @property
    def led_buildings(self) -> frozenset[uuid.UUID]:
        """Buildings the caller looks after as 楼栋长 (building_lead)."""
        return frozenset(g.building_id for g in self.grants if g.role is Role.building_lead and g.building_id)

    @property
    def merchant_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(g.merchant_id for g in self.grants if g.role is Role.merchant and g.merchant_id)


async def load_principal(db: AsyncSession, user: User) -> Principal:
    rows = (
        await db.execute(
            select(
                RoleGrant.role,
                RoleGrant.org_unit_id,
                RoleGrant.merchant_id,
                OrgUnit.community_id,
                RoleGrant.building_id,
            )
            .join(OrgUnit, OrgUnit.id == RoleGrant.org_unit_id)
            .where(RoleGrant.user_id == user.id)
        )
    ).all()
    grants = [Grant(r.role, r.org_unit_id, r.merchant_id, r.community_id, r.building_id) for r in rows]
    if user.community_id is not None:
        grants.append(Grant(Role.resident, user.community_id, None, user.community_id))
    staff = {g.community_id for g in grants if g.role is Role.staff and g.community_id}
    admin_roots = [g.org_unit_id for g in grants if g.role is Role.admin]
    admin_units: set[uuid.UUID] = set()
    admin_communities: set[uuid.UUID] = set()
    if admin_roots:
        subtree = await db.execute(
            text(
                """
                WITH RECURSIVE sub AS (
                    SELECT id, kind FROM org_units WHERE id = ANY(:roots)
                    UNION
                    SELECT o.id, o.kind FROM org_units o JOIN sub ON o.parent_id = sub.id
                )
                SELECT id, kind::text FROM sub
                """
            ),
            {"roots": admin_roots},
        )
        for unit_id, kind in subtree.all():
            admin_units.add(unit_id)
            if kind == "community":
                admin_communities.add(unit_id)
    return Principal(
        user=user,
        grants=grants,
        staff_communities=frozenset(staff | admin_communities),
        admin_communities=frozenset(admin_communities),
        admin_units=frozenset(admin_units),
    )
