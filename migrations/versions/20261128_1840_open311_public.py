"""security: Open311 shows only what staff approved as public, through a partial index

Revision ID: 20261128_1840_open311_public
Revises: 20261128_1810_verified_age
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261128_1840_open311_public"
down_revision: str | None = "20261128_1810_verified_age"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("public_summary", sa.String(length=500), nullable=True))
    op.add_column("tickets", sa.Column("public_location", sa.String(length=100), nullable=True))
    op.add_column("tickets", sa.Column("public_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("public_by", sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f("fk_tickets_public_by_users"), "tickets", "users", ["public_by"], ["id"])
    op.create_index(
        "ix_tickets_public_created",
        "tickets",
        ["created_at", "id"],
        unique=False,
        postgresql_where=sa.text("public_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_tickets_public_created", table_name="tickets", postgresql_where=sa.text("public_at IS NOT NULL")
    )
    op.drop_constraint(op.f("fk_tickets_public_by_users"), "tickets", type_="foreignkey")
    op.drop_column("tickets", "public_by")
    op.drop_column("tickets", "public_at")
    op.drop_column("tickets", "public_location")
    op.drop_column("tickets", "public_summary")
