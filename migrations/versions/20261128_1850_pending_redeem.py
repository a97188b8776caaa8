"""security: redemptions above a threshold wait for the resident's confirmation

Revision ID: 20261128_1850_pending_redeem
Revises: 20261128_1840_open311_public
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261128_1850_pending_redeem"
down_revision: str | None = "20261128_1840_open311_public"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_redemptions",
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redemption_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_pending_redemptions_points_positive")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_pending_redemptions_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_pending_redemptions_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["merchant_offers.id"], name=op.f("fk_pending_redemptions_offer_id_merchant_offers")
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_pending_redemptions_redemption_id_redemptions"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["users.id"], name=op.f("fk_pending_redemptions_resident_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["users.id"], name=op.f("fk_pending_redemptions_staff_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_redemptions")),
    )
    op.create_index(
        "ix_pending_redemptions_resident_status",
        "pending_redemptions",
        ["resident_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_pending_redemptions_resident_status", table_name="pending_redemptions")
    op.drop_table("pending_redemptions")
