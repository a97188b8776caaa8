"""grid: buildings, residents' addresses with history, the building_lead role (楼栋长)

Revision ID: 20261128_1900_grid
Revises: 20261128_1850_pending_redeem
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261128_1900_grid"
down_revision: str | None = "20261128_1850_pending_redeem"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # PostgreSQL 12+ allows ADD VALUE inside a transaction; the value is not *used* in this one
    # (the check below compares role::text).
    op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'building_lead'")
    op.create_table(
        "buildings",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("grid_id", sa.Uuid(), nullable=False),
        sa.Column("compound", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("floors", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("units IS NULL OR units BETWEEN 1 AND 99", name=op.f("ck_buildings_units_range")),
        sa.CheckConstraint(
            "floors IS NULL OR floors BETWEEN 1 AND 200", name=op.f("ck_buildings_floors_range")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_buildings_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["org_units.id"], name=op.f("fk_buildings_grid_id_org_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint(
            "community_id", "compound", "name", name=op.f("uq_buildings_community_id_compound_name")
        ),
    )
    op.create_index(op.f("ix_buildings_grid_id"), "buildings", ["grid_id"])
    op.create_index("ix_buildings_community_order", "buildings", ["community_id", "compound", "name", "id"])

    op.create_table(
        "resident_addresses",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_resident_addresses_valid_range")
        ),
        sa.CheckConstraint(
            "(confirmed_at IS NULL) = (confirmed_by IS NULL)",
            name=op.f("ck_resident_addresses_confirmed_together"),
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["buildings.id"],
            name=op.f("fk_resident_addresses_building_id_buildings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_resident_addresses_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_resident_addresses_confirmed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_resident_addresses_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_resident_addresses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_addresses")),
    )
    op.create_index(op.f("ix_resident_addresses_user_id"), "resident_addresses", ["user_id"])
    op.create_index(op.f("ix_resident_addresses_community_id"), "resident_addresses", ["community_id"])
    op.create_index(
        "uq_resident_addresses_current",
        "resident_addresses",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index(
        "ix_resident_addresses_building_current",
        "resident_addresses",
        ["building_id"],
        postgresql_where=sa.text("valid_to IS NULL"),
    )

    # 楼栋长: role grants and invitations may name a building.
    for table in ("role_grants", "invitations"):
        op.add_column(table, sa.Column("building_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_{table}_building_id_buildings"),
            table,
            "buildings",
            ["building_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(op.f("ix_role_grants_building_id"), "role_grants", ["building_id"])
    op.drop_constraint("uq_role_grants_user_id_role_org_unit_id_merchant_id", "role_grants", type_="unique")
    op.create_unique_constraint(
        op.f("uq_role_grants_user_id_role_org_unit_id_merchant_id_building_id"),
        "role_grants",
        ["user_id", "role", "org_unit_id", "merchant_id", "building_id"],
        postgresql_nulls_not_distinct=True,
    )
    op.create_check_constraint(
        op.f("ck_role_grants_lead_has_building"),
        "role_grants",
        "(role::text = 'building_lead') = (building_id IS NOT NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_role_grants_lead_has_building"), "role_grants", type_="check")
    op.execute("DELETE FROM role_grants WHERE role::text = 'building_lead'")
    op.execute("DELETE FROM invitations WHERE role::text = 'building_lead'")
    op.drop_constraint(
        op.f("uq_role_grants_user_id_role_org_unit_id_merchant_id_building_id"), "role_grants", type_="unique"
    )
    op.create_unique_constraint(
        "uq_role_grants_user_id_role_org_unit_id_merchant_id",
        "role_grants",
        ["user_id", "role", "org_unit_id", "merchant_id"],
        postgresql_nulls_not_distinct=True,
    )
    op.drop_index(op.f("ix_role_grants_building_id"), table_name="role_grants")
    for table in ("role_grants", "invitations"):
        op.drop_constraint(op.f(f"fk_{table}_building_id_buildings"), table, type_="foreignkey")
        op.drop_column(table, "building_id")
    # PostgreSQL cannot drop an enum value: rebuild the type without it.
    # PostgreSQL cannot drop an enum value: the lead grants went above; the unused value stays until the
    # foundation's downgrade drops the whole type (as service_items does for `agent`).
    op.drop_index("ix_resident_addresses_building_current", table_name="resident_addresses")
    op.drop_index("uq_resident_addresses_current", table_name="resident_addresses")
    op.drop_index(op.f("ix_resident_addresses_community_id"), table_name="resident_addresses")
    op.drop_index(op.f("ix_resident_addresses_user_id"), table_name="resident_addresses")
    op.drop_table("resident_addresses")
    op.drop_index("ix_buildings_community_order", table_name="buildings")
    op.drop_index(op.f("ix_buildings_grid_id"), table_name="buildings")
    op.drop_table("buildings")
