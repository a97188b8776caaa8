"""volunteering: remember when an activity's volunteers were reminded, so the reminder goes once

Revision ID: 20261122_0510_activity_remind
Revises: 20261122_0500_idem_exact_body
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0510_activity_remind"
down_revision: str | None = "20261122_0500_idem_exact_body"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("activities", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("activities", "reminded_at")
