"""consultation: proposals (群众下单) with supports, follows, photos and an append-only timeline

Revision ID: 20261207_1530_proposals
Revises: 20261207_1600_holiday_notices
Create Date: 2026-12-07 15:06:15.971621+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261207_1530_proposals"
down_revision: str | None = "20261207_1600_holiday_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("grid_id", sa.Uuid(), nullable=True),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("urgency", sa.SmallInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "accepted",
                "scheduled",
                "discussed",
                "merged",
                "declined",
                "ticketed",
                "withdrawn",
                name="proposal_status",
            ),
            nullable=False,
        ),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Uuid(), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_number", sa.String(length=40), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name=op.f("ck_proposals_merged_has_target")
        ),
        sa.CheckConstraint(
            "(status = 'ticketed') = (ticket_id IS NOT NULL)", name=op.f("ck_proposals_ticketed_has_ticket")
        ),
        sa.CheckConstraint(
            "merged_into_id IS NULL OR merged_into_id <> id", name=op.f("ck_proposals_not_merged_into_itself")
        ),
        sa.CheckConstraint("support_count >= 0", name=op.f("ck_proposals_support_count_not_negative")),
        sa.CheckConstraint("urgency BETWEEN 1 AND 3", name=op.f("ck_proposals_urgency_range")),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"], name=op.f("fk_proposals_answered_by_users")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_proposals_author_id_users")),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_proposals_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_proposals_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["org_units.id"], name=op.f("fk_proposals_grid_id_org_units")),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["proposals.id"], name=op.f("fk_proposals_merged_into_id_proposals")
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_proposals_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index(op.f("ix_proposals_author_id"), "proposals", ["author_id"], unique=False)
    op.create_index(
        "ix_proposals_community_created", "proposals", ["community_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "proposal_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_proposal_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_events_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_proposal_events")),
    )
    op.create_index(
        "ix_proposal_events_proposal_seq", "proposal_events", ["proposal_id", "seq"], unique=False
    )
    op.create_table(
        "proposal_follows",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_follows_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_proposal_follows_user_id_users")),
        sa.PrimaryKeyConstraint("proposal_id", "user_id", name=op.f("pk_proposal_follows")),
    )
    op.create_index(op.f("ix_proposal_follows_user_id"), "proposal_follows", ["user_id"], unique=False)
    op.create_table(
        "proposal_photos",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumb_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_photos_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_proposal_photos_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_photos")),
    )
    op.create_index(op.f("ix_proposal_photos_proposal_id"), "proposal_photos", ["proposal_id"], unique=False)
    op.create_table(
        "proposal_supports",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_supports_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_proposal_supports_user_id_users")),
        sa.PrimaryKeyConstraint("proposal_id", "user_id", name=op.f("pk_proposal_supports")),
    )
    op.create_index(op.f("ix_proposal_supports_user_id"), "proposal_supports", ["user_id"], unique=False)
    # The timeline is append-only, like the decisions' (the function comes from 20261129_0230_decisions).
    op.execute(
        "CREATE TRIGGER proposal_events_append_only BEFORE UPDATE OR DELETE ON proposal_events "
        "FOR EACH ROW EXECUTE FUNCTION consultation_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER proposal_events_append_only ON proposal_events")
    op.drop_index(op.f("ix_proposal_supports_user_id"), table_name="proposal_supports")
    op.drop_table("proposal_supports")
    op.drop_index(op.f("ix_proposal_photos_proposal_id"), table_name="proposal_photos")
    op.drop_table("proposal_photos")
    op.drop_index(op.f("ix_proposal_follows_user_id"), table_name="proposal_follows")
    op.drop_table("proposal_follows")
    op.drop_index("ix_proposal_events_proposal_seq", table_name="proposal_events")
    op.drop_table("proposal_events")
    op.drop_index("ix_proposals_community_created", table_name="proposals")
    op.drop_index(op.f("ix_proposals_author_id"), table_name="proposals")
    op.drop_table("proposals")
    op.execute("DROP TYPE proposal_status")
