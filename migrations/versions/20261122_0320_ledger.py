"""ledger: accounts, immutable transfers and pending holds (issue #4)

Revision ID: 20261122_0320_ledger
Revises: 20261122_0310_tickets
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0320_ledger"
down_revision: str | None = "20261122_0310_tickets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("kind", sa.Enum("user", "merchant", "system", name="ledger_account_kind"), nullable=False),
        sa.Column("asset", sa.Enum("hours", "points", name="ledger_asset"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("merchant_id", sa.Uuid(), nullable=True),
        sa.Column("community_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=True),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'user') = (user_id IS NOT NULL) AND (kind = 'merchant') = (merchant_id IS NOT NULL) AND (kind = 'system') = (purpose IS NOT NULL) AND (kind <> 'system' OR community_id IS NOT NULL)",
            name=op.f("ck_ledger_accounts_owner"),
        ),
        sa.CheckConstraint(
            "kind = 'system' OR (balance >= 0 AND balance >= reserved)",
            name=op.f("ck_ledger_accounts_non_negative"),
        ),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_ledger_accounts_reserved_non_negative")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_ledger_accounts_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_ledger_accounts_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ledger_accounts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint(
            "community_id", "purpose", "asset", name=op.f("uq_ledger_accounts_community_id_purpose_asset")
        ),
        sa.UniqueConstraint("merchant_id", "asset", name=op.f("uq_ledger_accounts_merchant_id_asset")),
        sa.UniqueConstraint("user_id", "asset", name=op.f("uq_ledger_accounts_user_id_asset")),
    )
    op.create_index(
        op.f("ix_ledger_accounts_community_id"), "ledger_accounts", ["community_id"], unique=False
    )
    op.create_table(
        "ledger_pending_transfers",
        sa.Column("asset", sa.Enum("hours", "points", name="ledger_asset"), nullable=False),
        sa.Column("debit_account_id", sa.Uuid(), nullable=False),
        sa.Column("credit_account_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "volunteer_reward",
                "mutual_aid",
                "donation",
                "grant",
                "redemption",
                "refund",
                "booking_hold",
                "settlement",
                "reversal",
                name="ledger_transfer_kind",
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "posted", "voided", "expired", name="ledger_pending_status"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_pending_transfers_amount_positive")),
        sa.CheckConstraint(
            "debit_account_id <> credit_account_id",
            name=op.f("ck_ledger_pending_transfers_distinct_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ledger_pending_transfers_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["credit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_pending_transfers_credit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["debit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_pending_transfers_debit_account_id_ledger_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_pending_transfers")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_pending_transfers_idempotency_key")),
    )
    op.create_index(
        op.f("ix_ledger_pending_transfers_debit_account_id"),
        "ledger_pending_transfers",
        ["debit_account_id"],
        unique=False,
    )
    op.create_index(
        "ix_ledger_pending_transfers_open", "ledger_pending_transfers", ["status", "expires_at"], unique=False
    )
    op.create_index(
        op.f("ix_ledger_pending_transfers_reference"), "ledger_pending_transfers", ["reference"], unique=False
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("asset", sa.Enum("hours", "points", name="ledger_asset"), nullable=False),
        sa.Column("debit_account_id", sa.Uuid(), nullable=False),
        sa.Column("credit_account_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "volunteer_reward",
                "mutual_aid",
                "donation",
                "grant",
                "redemption",
                "refund",
                "booking_hold",
                "settlement",
                "reversal",
                name="ledger_transfer_kind",
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("pending_id", sa.Uuid(), nullable=True),
        sa.Column("debit_balance_after", sa.BigInteger(), nullable=False),
        sa.Column("credit_balance_after", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_transfers_amount_positive")),
        sa.CheckConstraint(
            "debit_account_id <> credit_account_id", name=op.f("ck_ledger_transfers_distinct_accounts")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_ledger_transfers_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["credit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_transfers_credit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["debit_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_transfers_debit_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["pending_id"],
            ["ledger_pending_transfers.id"],
            name=op.f("fk_ledger_transfers_pending_id_ledger_pending_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_ledger_transfers_reverses_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transfers")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_transfers_idempotency_key")),
        sa.UniqueConstraint("pending_id", name=op.f("uq_ledger_transfers_pending_id")),
    )
    op.create_index(op.f("ix_ledger_transfers_created_at"), "ledger_transfers", ["created_at"], unique=False)
    op.create_index(
        "ix_ledger_transfers_credit", "ledger_transfers", ["credit_account_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_ledger_transfers_debit", "ledger_transfers", ["debit_account_id", "created_at"], unique=False
    )
    op.create_index(op.f("ix_ledger_transfers_reference"), "ledger_transfers", ["reference"], unique=False)
    op.create_index(
        op.f("ix_ledger_transfers_reverses_id"), "ledger_transfers", ["reverses_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_transfers_reverses_id"), table_name="ledger_transfers")
    op.drop_index(op.f("ix_ledger_transfers_reference"), table_name="ledger_transfers")
    op.drop_index("ix_ledger_transfers_debit", table_name="ledger_transfers")
    op.drop_index("ix_ledger_transfers_credit", table_name="ledger_transfers")
    op.drop_index(op.f("ix_ledger_transfers_created_at"), table_name="ledger_transfers")
    op.drop_table("ledger_transfers")
    op.drop_index(op.f("ix_ledger_pending_transfers_reference"), table_name="ledger_pending_transfers")
    op.drop_index("ix_ledger_pending_transfers_open", table_name="ledger_pending_transfers")
    op.drop_index(op.f("ix_ledger_pending_transfers_debit_account_id"), table_name="ledger_pending_transfers")
    op.drop_table("ledger_pending_transfers")
    op.drop_index(op.f("ix_ledger_accounts_community_id"), table_name="ledger_accounts")
    op.drop_table("ledger_accounts")
    for name in ("ledger_pending_status", "ledger_transfer_kind", "ledger_asset", "ledger_account_kind"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=False)
