"""Every ORM table, imported here so Alembic and the app see one metadata."""

from app.models import (
    bookings,
    consultation,
    grid,
    identity,
    ledger,
    merchants,
    notifications,
    platform,
    rectifications,
    review,
    service_items,
    surveys,
    tickets,
    volunteering,
)
from app.models.base import Base

__all__ = [
    "Base",
    "bookings",
    "consultation",
    "grid",
    "identity",
    "ledger",
    "merchants",
    "notifications",
    "platform",
    "rectifications",
    "review",
    "service_items",
    "surveys",
    "tickets",
    "volunteering",
]
