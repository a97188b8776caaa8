"""the 调查队 role (`surveyor`) and the residents' review panel (居民评议团)

Revision ID: 20261207_1600_review_panel
Revises: 20261207_1510_surveys
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_1600_review_panel"
down_revision: str | None = "20261207_1510_surveys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new value cannot be used in the transaction that adds it; nothing here uses it.
    op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'surveyor'")
    op.create_table(
        "review_panel_members",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("appointed_by", sa.Uuid(), nullable=False),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("term_end >= term_start", name=op.f("ck_review_panel_members_term_order")),
        sa.ForeignKeyConstraint(
            ["appointed_by"], ["users.id"], name=op.f("fk_review_panel_members_appointed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_review_panel_members_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_panel_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_panel_members")),
        sa.UniqueConstraint(
            "community_id",
            "user_id",
            "term_start",
            name=op.f("uq_review_panel_members_community_id_user_id_term_start"),
        ),
    )
    op.create_index(
        op.f("ix_review_panel_members_community_id"), "review_panel_members", ["community_id"], unique=False
    )
    op.create_index(
        op.f("ix_review_panel_members_user_id"), "review_panel_members", ["user_id"], unique=False
    )
    op.create_table(
        "review_rounds",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=50), nullable=False),
        sa.Column("status", sa.Enum("draft", "open", "closed", name="review_round_status"), nullable=False),
        sa.Column("previous_round_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("threshold", sa.Numeric(precision=3, scale=2), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status <> 'closed' OR (closed_at IS NOT NULL AND threshold IS NOT NULL)",
            name=op.f("ck_review_rounds_closed_has_result"),
        ),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_review_rounds_closed_by_users")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_review_rounds_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_review_rounds_created_by_users")),
        sa.ForeignKeyConstraint(
            ["previous_round_id"],
            ["review_rounds.id"],
            name=op.f("fk_review_rounds_previous_round_id_review_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_rounds")),
    )
    op.create_index(
        "ix_review_rounds_community_created",
        "review_rounds",
        ["community_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "review_items",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("service", "department", "project", "community_work", name="review_item_kind"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("owner_user_id", sa.Uuid(), nullable=True),
        sa.Column("owner_name", sa.String(length=100), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=True),
        sa.Column("result_mean", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("result_stddev", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("result_min", sa.SmallInteger(), nullable=True),
        sa.Column("result_max", sa.SmallInteger(), nullable=True),
        sa.Column("self_mean", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("rectification_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "owner_user_id IS NOT NULL OR owner_name IS NOT NULL", name=op.f("ck_review_items_has_owner")
        ),
        sa.CheckConstraint(
            "result_mean IS NULL OR result_mean BETWEEN 1 AND 5", name=op.f("ck_review_items_mean_range")
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_review_items_owner_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["rectification_id"],
            ["rectification_items.id"],
            name=op.f("fk_review_items_rectification_id_rectification_items"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["review_rounds.id"],
            name=op.f("fk_review_items_round_id_review_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_review_items_round_id_position")),
    )
    op.create_index(op.f("ix_review_items_round_id"), "review_items", ["round_id"], unique=False)
    op.create_table(
        "review_criteria",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["review_items.id"],
            name=op.f("fk_review_criteria_item_id_review_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_criteria")),
        sa.UniqueConstraint("item_id", "position", name=op.f("uq_review_criteria_item_id_position")),
    )
    op.create_index(op.f("ix_review_criteria_item_id"), "review_criteria", ["item_id"], unique=False)
    op.create_table(
        "review_scores",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("criterion_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_review_scores_score_range")),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["review_criteria.id"],
            name=op.f("fk_review_scores_criterion_id_review_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_review_scores_member_id_users")),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["review_rounds.id"],
            name=op.f("fk_review_scores_round_id_review_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_scores")),
        sa.UniqueConstraint(
            "criterion_id", "member_id", name=op.f("uq_review_scores_criterion_id_member_id")
        ),
    )
    op.create_index(op.f("ix_review_scores_round_id"), "review_scores", ["round_id"], unique=False)
    op.create_table(
        "review_self_assessments",
        sa.Column("criterion_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_review_self_assessments_score_range")),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["review_criteria.id"],
            name=op.f("fk_review_self_assessments_criterion_id_review_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["users.id"], name=op.f("fk_review_self_assessments_entered_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_self_assessments")),
        sa.UniqueConstraint("criterion_id", name=op.f("uq_review_self_assessments_criterion_id")),
    )


def downgrade() -> None:
    op.drop_table("review_self_assessments")
    op.drop_index(op.f("ix_review_scores_round_id"), table_name="review_scores")
    op.drop_table("review_scores")
    op.drop_index(op.f("ix_review_criteria_item_id"), table_name="review_criteria")
    op.drop_table("review_criteria")
    op.drop_index(op.f("ix_review_items_round_id"), table_name="review_items")
    op.drop_table("review_items")
    op.drop_index("ix_review_rounds_community_created", table_name="review_rounds")
    op.drop_table("review_rounds")
    op.drop_index(op.f("ix_review_panel_members_user_id"), table_name="review_panel_members")
    op.drop_index(op.f("ix_review_panel_members_community_id"), table_name="review_panel_members")
    op.drop_table("review_panel_members")
    op.execute("DROP TYPE review_item_kind")
    op.execute("DROP TYPE review_round_status")
    # PostgreSQL cannot drop an enum value: the surveyor grants go, the unused value stays until the
    # foundation's downgrade drops the whole type.
    op.execute("DELETE FROM role_grants WHERE role::text = 'surveyor'")
    op.execute("DELETE FROM invitations WHERE role::text = 'surveyor'")
