"""The grid (网格化管理): buildings (楼栋) under a community's grids, and residents' addresses with history.

Grids themselves are `org_units` rows of kind `grid`; this module adds what stands in them.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class Building(UUIDPk, Timestamps, Base):
    """A building (楼栋) such as "3栋" in a residential compound (小区), inside one grid (网格)."""

    __tablename__ = "buildings"
    __table_args__ = (
        UniqueConstraint("community_id", "compound", "name"),
        CheckConstraint("units IS NULL OR units BETWEEN 1 AND 99", name="units_range"),
        CheckConstraint("floors IS NULL OR floors BETWEEN 1 AND 200", name="floors_range"),
        Index("ix_buildings_community_order", "community_id", "compound", "name", "id"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    # An org unit of kind grid in the same community (checked by the service).
    grid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)
    compound: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(50))
    units: Mapped[int | None] = mapped_column(Integer)
    floors: Mapped[int | None] = mapped_column(Integer)


class ResidentAddress(UUIDPk, Base):
    """Where a resident lives, from `valid_from` until `valid_to` (None: now). Moving closes one row and
    opens another, so history is kept; one current row per user (a partial unique index)."""

    __tablename__ = "resident_addresses"
    __table_args__ = (
        Index(
            "uq_resident_addresses_current",
            "user_id",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index(
            "ix_resident_addresses_building_current", "building_id", postgresql_where=text("valid_to IS NULL")
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        CheckConstraint("(confirmed_at IS NULL) = (confirmed_by IS NULL)", name="confirmed_together"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    building_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("buildings.id", ondelete="RESTRICT"))
    # Personal data: shown only to the resident and staff of the community.
    unit: Mapped[str | None] = mapped_column(String(20))
    room: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[datetime] = mapped_column(default=clock.now)
    valid_to: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # Who set it: the resident, or staff registering a resident at the desk.
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class BoardLevel(enum.StrEnum):
    """Where an entry hangs: a building's own, its grid's, or the whole community's."""

    building = "building"
    grid = "grid"
    community = "community"


class BoardRole(enum.StrEnum):
    """Who serves, in the order a board lists them within a level."""

    building_lead = "building_lead"  # 楼栋长
    grid_worker = "grid_worker"  # 网格员
    grid_leader = "grid_leader"  # 网格长
    community_staff = "community_staff"  # 社区工作人员
    property = "property"  # 物业
    owners_committee = "owners_committee"  # 业委会
    police = "police"  # 警务室
    social_org = "social_org"  # 社会组织
    merchant = "merchant"  # 商户
    other = "other"  # 其他


class BoardEntry(UUIDPk, Timestamps, Base):
    """One line of a stairwell service board (服务信息栏): who serves, a public work phone, hours, duties."""

    __tablename__ = "board_entries"
    __table_args__ = (
        CheckConstraint(
            "(level = 'building') = (building_id IS NOT NULL) AND (level = 'grid') = (grid_id IS NOT NULL)",
            name="level_target",
        ),
        Index("ix_board_entries_community", "community_id", "level"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    level: Mapped[BoardLevel] = mapped_column(str_enum(BoardLevel, "board_level"))
    grid_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), index=True
    )
    building_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[BoardRole] = mapped_column(str_enum(BoardRole, "board_role"))
    name: Mapped[str] = mapped_column(String(50))
    # A public work phone (never a resident's personal number: the service refuses those).
    phone: Mapped[str | None] = mapped_column(String(20))
    hours: Mapped[str | None] = mapped_column(String(100))
    duties: Mapped[str | None] = mapped_column(String(300))
    # Order within (level, role); ties by name.
    position: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[datetime] = mapped_column(default=clock.now)
    verified_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
