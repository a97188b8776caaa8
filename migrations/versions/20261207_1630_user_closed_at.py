"""identity: users.closed_at — a resident closed their account (PIPL); the row stays, the person erased

Revision ID: 20261207_1630_user_closed_at
Revises: 20261207_1520_projects
Create Date: 2026-12-07 16:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_1630_user_closed_at"
down_revision: str | None = "20261207_1520_projects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "closed_at")
