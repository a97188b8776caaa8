"""ledger: the tables of issue #4 (placeholder until that issue fills it in)

Revision ID: 20261122_0320_ledger
Revises: 20261122_0310_tickets
"""

from collections.abc import Sequence

revision: str = "20261122_0320_ledger"
down_revision: str | None = "20261122_0310_tickets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
