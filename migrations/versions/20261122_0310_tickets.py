"""tickets: the tables of issue #3 (placeholder until that issue fills it in)

Revision ID: 20261122_0310_tickets
Revises: 20261122_0300_foundation
"""

from collections.abc import Sequence

revision: str = "20261122_0310_tickets"
down_revision: str | None = "20261122_0300_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
