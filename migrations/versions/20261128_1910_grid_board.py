"""grid: the stairwell service board (服务信息栏) and tickets by place (building, grid, route to grid)

Revision ID: 20261128_1910_grid_board
Revises: 20261128_1900_grid
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261128_1910_grid_board"
down_revision: str | None = "20261128_1900_grid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = ("building", "grid", "community")
ROLES = (
    "building_lead", "grid_worker", "grid_leader", "community_staff", "property", "owners_committee",
    "police", "social_org", "merchant", "other",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "board_entries",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Enum(*LEVELS, name="board_level"), nullable=False),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.Enum(*ROLES, name="board_role"), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("hours", sa.String(length=100), nullable=True),
        sa.Column("duties", sa.String(length=300), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(level = 'building') = (building_id IS NOT NULL) AND (level = 'grid') = (grid_id IS NOT NULL)",
            name=op.f("ck_board_entries_level_target"),
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["buildings.id"],
            name=op.f("fk_board_entries_building_id_buildings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_board_entries_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["org_units.id"], name=op.f("fk_board_entries_grid_id_org_units"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_board_entries_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_entries")),
    )
    op.create_index("ix_board_entries_community", "board_entries", ["community_id", "level"])
    op.create_index(op.f("ix_board_entries_grid_id"), "board_entries", ["grid_id"])
    op.create_index(op.f("ix_board_entries_building_id"), "board_entries", ["building_id"])

    op.add_column(
        "ticket_categories",
        sa.Column("route_to_grid", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("tickets", sa.Column("building_id", sa.Uuid(), nullable=True))
    op.add_column("tickets", sa.Column("grid_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_tickets_building_id_buildings"), "tickets", "buildings", ["building_id"], ["id"]
    )
    op.create_foreign_key(op.f("fk_tickets_grid_id_org_units"), "tickets", "org_units", ["grid_id"], ["id"])
    op.create_index("ix_tickets_grid_queue", "tickets", ["grid_id", "queue_at", "id"])
    op.create_index("ix_tickets_building_queue", "tickets", ["building_id", "queue_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_building_queue", table_name="tickets")
    op.drop_index("ix_tickets_grid_queue", table_name="tickets")
    op.drop_constraint(op.f("fk_tickets_grid_id_org_units"), "tickets", type_="foreignkey")
    op.drop_constraint(op.f("fk_tickets_building_id_buildings"), "tickets", type_="foreignkey")
    op.drop_column("tickets", "grid_id")
    op.drop_column("tickets", "building_id")
    op.drop_column("ticket_categories", "route_to_grid")
    op.drop_index(op.f("ix_board_entries_building_id"), table_name="board_entries")
    op.drop_index(op.f("ix_board_entries_grid_id"), table_name="board_entries")
    op.drop_index("ix_board_entries_community", table_name="board_entries")
    op.drop_table("board_entries")
    op.execute("DROP TYPE board_role")
    op.execute("DROP TYPE board_level")
