"""merchants: merchant details, offers, redemption codes, redemptions, refunds, settlements (issue #5)

Revision ID: 20261122_0340_merchants
Revises: 20261122_0330_volunteering
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0340_merchants"
down_revision: str | None = "20261122_0330_volunteering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merchant_offers",
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("per_resident_limit", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "per_resident_limit IS NULL OR per_resident_limit > 0",
            name=op.f("ck_merchant_offers_limit_positive"),
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_merchant_offers_points_positive")),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name=op.f("ck_merchant_offers_stock_not_negative")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name=op.f("ck_merchant_offers_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_offers_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_offers")),
    )
    op.create_index(op.f("ix_merchant_offers_merchant_id"), "merchant_offers", ["merchant_id"], unique=False)
    op.create_table(
        "merchant_settlements",
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "confirmed", "paid", "discarded", name="settlement_status"),
            nullable=False,
        ),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redemption_count", sa.Integer(), nullable=False),
        sa.Column("refund_count", sa.Integer(), nullable=False),
        sa.Column("redeemed_points", sa.Integer(), nullable=False),
        sa.Column("refunded_points", sa.Integer(), nullable=False),
        sa.Column("net_points", sa.Integer(), nullable=False),
        sa.Column("fen_per_point", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("paid_by", sa.Uuid(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("discarded_by", sa.Uuid(), nullable=True),
        sa.Column("discarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("fen_per_point > 0", name=op.f("ck_merchant_settlements_rate_positive")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_merchant_settlements_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_merchant_settlements_confirmed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_merchant_settlements_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["discarded_by"], ["users.id"], name=op.f("fk_merchant_settlements_discarded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_merchant_settlements_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["paid_by"], ["users.id"], name=op.f("fk_merchant_settlements_paid_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_settlements")),
    )
    op.create_index(
        "ix_merchant_settlements_community_created",
        "merchant_settlements",
        ["community_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_merchant_settlements_merchant_id"), "merchant_settlements", ["merchant_id"], unique=False
    )
    op.create_index(
        "uq_merchant_settlements_one_draft",
        "merchant_settlements",
        ["merchant_id"],
        unique=True,
        postgresql_where=sa.text("status = 'draft'"),
    )
    op.create_table(
        "redemption_codes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_redemption_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_redemption_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_redemption_codes_code_hash")),
    )
    op.create_index(op.f("ix_redemption_codes_expires_at"), "redemption_codes", ["expires_at"], unique=False)
    op.create_table(
        "redemptions",
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("refunded_points", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("completed", "partially_refunded", "refunded", name="redemption_status"),
            nullable=False,
        ),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("settlement_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_redemptions_points_positive")),
        sa.CheckConstraint(
            "refunded_points >= 0 AND refunded_points <= points",
            name=op.f("ck_redemptions_refund_within_points"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_redemptions_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_redemptions_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["merchant_offers.id"], name=op.f("fk_redemptions_offer_id_merchant_offers")
        ),
        sa.ForeignKeyConstraint(["resident_id"], ["users.id"], name=op.f("fk_redemptions_resident_id_users")),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["merchant_settlements.id"],
            name=op.f("fk_redemptions_settlement_id_merchant_settlements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["users.id"], name=op.f("fk_redemptions_staff_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    op.create_index(
        "ix_redemptions_community_created", "redemptions", ["community_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_redemptions_merchant_created", "redemptions", ["merchant_id", "created_at"], unique=False
    )
    op.create_index("ix_redemptions_offer_resident", "redemptions", ["offer_id", "resident_id"], unique=False)
    op.create_index(
        "ix_redemptions_resident_created", "redemptions", ["resident_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_redemptions_settlement_id"), "redemptions", ["settlement_id"], unique=False)
    op.create_index(
        "ix_redemptions_unsettled",
        "redemptions",
        ["merchant_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("settlement_id IS NULL"),
    )
    op.create_table(
        "redemption_refunds",
        sa.Column("redemption_id", sa.Uuid(), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("settlement_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_redemption_refunds_points_positive")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_redemption_refunds_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_redemption_refunds_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_redemption_refunds_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_redemption_refunds_redemption_id_redemptions"),
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["merchant_settlements.id"],
            name=op.f("fk_redemption_refunds_settlement_id_merchant_settlements"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption_refunds")),
    )
    op.create_index(
        "ix_redemption_refunds_merchant_created",
        "redemption_refunds",
        ["merchant_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_redemption_refunds_redemption_id"), "redemption_refunds", ["redemption_id"], unique=False
    )
    op.create_index(
        op.f("ix_redemption_refunds_settlement_id"), "redemption_refunds", ["settlement_id"], unique=False
    )
    op.create_index(
        "ix_redemption_refunds_unsettled",
        "redemption_refunds",
        ["merchant_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("settlement_id IS NULL"),
    )
    op.add_column("merchants", sa.Column("address", sa.String(length=200), nullable=True))
    op.add_column("merchants", sa.Column("category", sa.String(length=50), nullable=True))
    op.add_column("merchants", sa.Column("contact_name", sa.String(length=50), nullable=True))
    op.add_column("merchants", sa.Column("contact_phone", sa.String(length=20), nullable=True))
    op.add_column("merchants", sa.Column("fen_per_point", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_merchants_rate_positive"), "merchants", "fen_per_point IS NULL OR fen_per_point > 0"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_merchants_rate_positive"), "merchants", type_="check")
    op.drop_column("merchants", "fen_per_point")
    op.drop_column("merchants", "contact_phone")
    op.drop_column("merchants", "contact_name")
    op.drop_column("merchants", "category")
    op.drop_column("merchants", "address")
    op.drop_index(
        "ix_redemption_refunds_unsettled",
        table_name="redemption_refunds",
        postgresql_where=sa.text("settlement_id IS NULL"),
    )
    op.drop_index(op.f("ix_redemption_refunds_settlement_id"), table_name="redemption_refunds")
    op.drop_index(op.f("ix_redemption_refunds_redemption_id"), table_name="redemption_refunds")
    op.drop_index("ix_redemption_refunds_merchant_created", table_name="redemption_refunds")
    op.drop_table("redemption_refunds")
    op.drop_index(
        "ix_redemptions_unsettled",
        table_name="redemptions",
        postgresql_where=sa.text("settlement_id IS NULL"),
    )
    op.drop_index(op.f("ix_redemptions_settlement_id"), table_name="redemptions")
    op.drop_index("ix_redemptions_resident_created", table_name="redemptions")
    op.drop_index("ix_redemptions_offer_resident", table_name="redemptions")
    op.drop_index("ix_redemptions_merchant_created", table_name="redemptions")
    op.drop_index("ix_redemptions_community_created", table_name="redemptions")
    op.drop_table("redemptions")
    op.drop_index(op.f("ix_redemption_codes_expires_at"), table_name="redemption_codes")
    op.drop_table("redemption_codes")
    op.drop_index(
        "uq_merchant_settlements_one_draft",
        table_name="merchant_settlements",
        postgresql_where=sa.text("status = 'draft'"),
    )
    op.drop_index(op.f("ix_merchant_settlements_merchant_id"), table_name="merchant_settlements")
    op.drop_index("ix_merchant_settlements_community_created", table_name="merchant_settlements")
    op.drop_table("merchant_settlements")
    op.drop_index(op.f("ix_merchant_offers_merchant_id"), table_name="merchant_offers")
    op.drop_table("merchant_offers")
    sa.Enum(name="redemption_status").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="settlement_status").drop(op.get_bind(), checkfirst=False)
