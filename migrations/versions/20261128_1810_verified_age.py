"""security: staff-verified birth dates, subsidy budgets per community per month and per elder

Revision ID: 20261128_1810_verified_age
Revises: 20261128_1815_service_items
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261128_1810_verified_age"
down_revision: str | None = "20261128_1815_service_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("birth_date_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("birth_date_verified_by", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_users_birth_date_verified_by_users"), "users", "users", ["birth_date_verified_by"], ["id"]
    )
    op.add_column(
        "org_units",
        sa.Column("subsidy_minutes_per_month", sa.Integer(), server_default="6000", nullable=False),
    )
    op.add_column(
        "org_units",
        sa.Column("subsidy_minutes_per_elder_month", sa.Integer(), server_default="600", nullable=False),
    )
    op.create_table(
        "subsidy_usage",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("elder_id", sa.Uuid(), nullable=True),
        sa.Column("minutes_used", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("minutes_used >= 0", name=op.f("ck_subsidy_usage_minutes_not_negative")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_subsidy_usage_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["elder_id"], ["users.id"], name=op.f("fk_subsidy_usage_elder_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_usage")),
        sa.UniqueConstraint(
            "community_id",
            "month",
            "elder_id",
            name=op.f("uq_subsidy_usage_community_id_month_elder_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(op.f("ix_subsidy_usage_elder_id"), "subsidy_usage", ["elder_id"], unique=False)
    # Self-declared birth dates stop counting until staff check them: only the flag carries over.


def downgrade() -> None:
    op.drop_index(op.f("ix_subsidy_usage_elder_id"), table_name="subsidy_usage")
    op.drop_table("subsidy_usage")
    op.drop_column("org_units", "subsidy_minutes_per_elder_month")
    op.drop_column("org_units", "subsidy_minutes_per_month")
    op.drop_constraint(op.f("fk_users_birth_date_verified_by_users"), "users", type_="foreignkey")
    op.drop_column("users", "birth_date_verified_by")
    op.drop_column("users", "birth_date_verified_at")
