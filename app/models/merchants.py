"""Merchants (爱心商户). The foundation needs the table for merchant-staff invitations and grants;
issue #5 extends it (offers, redemption codes, redemptions, settlements)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk


class Merchant(UUIDPk, Timestamps, Base):
    __tablename__ = "merchants"

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
