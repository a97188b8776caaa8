"""bookings: the tables of issue #6 (placeholder until that issue fills it in)

Revision ID: 20261122_0350_bookings
Revises: 20261122_0340_merchants
"""

from collections.abc import Sequence

revision: str = "20261122_0350_bookings"
down_revision: str | None = "20261122_0340_merchants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
