"""merchants: the tables of issue #5 (placeholder until that issue fills it in)

Revision ID: 20261122_0340_merchants
Revises: 20261122_0330_volunteering
"""

from collections.abc import Sequence

revision: str = "20261122_0340_merchants"
down_revision: str | None = "20261122_0330_volunteering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
