"""notifications: the tables of issue #7 (placeholder until that issue fills it in)

Revision ID: 20261122_0400_notifications
Revises: 20261122_0350_bookings
"""

from collections.abc import Sequence

revision: str = "20261122_0400_notifications"
down_revision: str | None = "20261122_0350_bookings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
