"""volunteering: 补录 — activities recorded after the event from a paper sign-in sheet

Revision ID: 20261207_1520_activity_backfill
Revises: 20261129_0230_decisions
Create Date: 2026-12-07 15:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_1520_activity_backfill"
down_revision: str | None = "20261129_0230_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("activities", sa.Column("backfilled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("activities", sa.Column("backfill_source", sa.String(length=200), nullable=True))
    op.create_index(
        "uq_activities_backfill",
        "activities",
        ["community_id", "start_at", "title"],
        unique=True,
        postgresql_where=sa.text("backfilled_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_activities_backfill", table_name="activities")
    op.drop_column("activities", "backfill_source")
    op.drop_column("activities", "backfilled_at")
