"""The grid (网格化管理): buildings (楼栋) under a community's grids, and residents' addresses with history.

Grids themselves are `org_units` rows of kind `grid`; this module adds what stands in them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk


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
