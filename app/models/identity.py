"""People, the org tree, roles and the tokens that bind them."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk


class OrgKind(enum.StrEnum):
    street = "street"
    community = "community"
    grid = "grid"
    department = "department"


class Role(enum.StrEnum):
    resident = "resident"
    merchant = "merchant"
    handler = "handler"
    staff = "staff"
    admin = "admin"
    # 楼栋长: a resident who looks after one building; the grant sits at the building's grid and names
    # the building (role_grants.building_id).
    building_lead = "building_lead"
    # 代办员: grid workers and volunteers who apply for service items on a resident's behalf (by invitation).
    agent = "agent"
    # 调查队 (民生需求调查队): volunteers who take survey answers door to door and enter them (by invitation).
    surveyor = "surveyor"


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A PostgreSQL enum stored by value, named explicitly so migrations stay stable."""
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], validate_strings=True)


class OrgUnit(UUIDPk, Timestamps, Base):
    """街道 → 社区 → 网格, and departments (物业公司, 城管 …) under a community."""

    __tablename__ = "org_units"

    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    # The community this unit belongs to (itself for a community; None for a street); kept so every
    # scoped query is a plain equality, never a tree walk.
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Time-bank subsidy budgets of a community (issue #18): minutes the subsidy account may pay per
    # calendar month (Asia/Shanghai) in all, and to any one elder's requests.
    subsidy_minutes_per_month: Mapped[int] = mapped_column(default=6000, server_default="6000")
    subsidy_minutes_per_elder_month: Mapped[int] = mapped_column(default=600, server_default="600")
    # Points-to-yuan rate of a community, in fen per point (1 point = 0.10 yuan by default).
    fen_per_point: Mapped[int] = mapped_column(default=10)
    # Community policy switch: may residents donate to each other.
    donations_enabled: Mapped[bool] = mapped_column(default=True)


class User(UUIDPk, Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("openid IS NOT NULL OR username IS NOT NULL", name="has_login"),)

    name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    # WeChat session_key: needed server-side only; never serialised.
    session_key: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Self-declared in PATCH /me; only a staff-verified one (birth_date_verified_at set) counts for
    # anything that costs the community (subsidy, seniors-only services). Changing it clears the check.
    birth_date: Mapped[date | None]
    birth_date_verified_at: Mapped[datetime | None]
    birth_date_verified_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Staff-flagged eligibility for the community subsidy (mutual aid for elders); set at the desk, audited.
    subsidy_eligible: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    # The resident closed their account (PIPL): the person is erased from this row, which stays so the
    # records others depend on (tickets, ledger rows) keep pointing somewhere (app/privacy).
    closed_at: Mapped[datetime | None]


class RoleGrant(UUIDPk, Base):
    """A role held at an org unit (and, for merchant staff, at one merchant)."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "role", "org_unit_id", "merchant_id", "building_id", postgresql_nulls_not_distinct=True
        ),
        CheckConstraint("role <> 'merchant' OR merchant_id IS NOT NULL", name="merchant_has_merchant"),
        # Compared as text: a new enum value cannot be used in the transaction that adds it.
        CheckConstraint(
            "(role::text = 'building_lead') = (building_id IS NOT NULL)", name="lead_has_building"
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    # The building a building_lead (楼栋长) looks after; None for every other role.
    building_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    granted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Invitation(UUIDPk, Base):
    """A one-time code that grants a role to whoever accepts it from the mini-program."""

    __tablename__ = "invitations"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    merchant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("merchants.id"))
    building_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None]


class RefreshToken(UUIDPk, Base):
    """Rotating refresh tokens, stored hashed; a reused one revokes its whole family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
