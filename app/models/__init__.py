"""Every ORM table, imported here so Alembic and the app see one metadata."""

from app.models import (
    bookings,
    consultation,
    consultation_meetings,
    grid,
    holidays,
    identity,
    ledger,
    merchants,
    notifications,
    platform,
    project_delivery,
    projects,
    service_items,
    tickets,
    volunteering,
)
from app.models.base import Base

__all__ = [
    "Base",
    "bookings",
    "consultation",
    "consultation_meetings",
    "grid",
    "holidays",
    "identity",
    "ledger",
    "merchants",
    "notifications",
    "platform",
    "project_delivery",
    "projects",
    "service_items",
    "tickets",
    "volunteering",
]
