"""volunteering: the tables of issue #4 (placeholder until that issue fills it in)

Revision ID: 20261122_0330_volunteering
Revises: 20261122_0320_ledger
"""

from collections.abc import Sequence

revision: str = "20261122_0330_volunteering"
down_revision: str | None = "20261122_0320_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
