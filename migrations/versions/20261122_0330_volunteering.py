"""volunteering: activities, sign-ups and attendance, mutual-aid requests (issue #4)

Revision ID: 20261122_0330_volunteering
Revises: 20261122_0320_ledger
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0330_volunteering"
down_revision: str | None = "20261122_0320_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("organiser_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("minutes_reward", sa.Integer(), nullable=False),
        sa.Column("points_reward", sa.Integer(), nullable=False),
        sa.Column("signup_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "published", "finished", "settled", "cancelled", name="activity_status"),
            nullable=False,
        ),
        sa.Column("signed_up", sa.Integer(), nullable=False),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_activities_capacity_positive")),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_activities_ends_after_start")),
        sa.CheckConstraint(
            "minutes_reward >= 0 AND points_reward >= 0", name=op.f("ck_activities_rewards_non_negative")
        ),
        sa.CheckConstraint(
            "signed_up >= 0 AND signed_up <= capacity", name=op.f("ck_activities_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_activities_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"], ["users.id"], name=op.f("fk_activities_organiser_id_users")
        ),
        sa.ForeignKeyConstraint(["settled_by"], ["users.id"], name=op.f("fk_activities_settled_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index("ix_activities_community_start", "activities", ["community_id", "start_at"], unique=False)
    op.create_table(
        "activity_signups",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Enum("signed_up", "withdrawn", name="activity_signup_status"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attendance_by", sa.Uuid(), nullable=True),
        sa.Column("credited_minutes", sa.Integer(), nullable=True),
        sa.Column("credited_points", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "checked_out_at IS NULL OR (checked_in_at IS NOT NULL AND checked_out_at >= checked_in_at)",
            name=op.f("ck_activity_signups_out_after_in"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_signups_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["attendance_by"], ["users.id"], name=op.f("fk_activity_signups_attendance_by_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_activity_signups_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_signups")),
        sa.UniqueConstraint("activity_id", "user_id", name=op.f("uq_activity_signups_activity_id_user_id")),
    )
    op.create_index(op.f("ix_activity_signups_user_id"), "activity_signups", ["user_id"], unique=False)
    op.create_table(
        "help_requests",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("helper_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("when_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status", sa.Enum("open", "taken", "completed", "cancelled", name="help_status"), nullable=False
        ),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by", sa.String(length=20), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disputed_by", sa.Uuid(), nullable=True),
        sa.Column("dispute_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "helper_id IS NULL OR helper_id <> requester_id", name=op.f("ck_help_requests_not_own_helper")
        ),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_help_requests_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_help_requests_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["disputed_by"], ["users.id"], name=op.f("fk_help_requests_disputed_by_users")
        ),
        sa.ForeignKeyConstraint(["helper_id"], ["users.id"], name=op.f("fk_help_requests_helper_id_users")),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_help_requests_requester_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_help_requests_transfer_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
    )
    op.create_index(
        "ix_help_requests_community_status", "help_requests", ["community_id", "status"], unique=False
    )
    op.create_index(op.f("ix_help_requests_helper_id"), "help_requests", ["helper_id"], unique=False)
    op.create_index(op.f("ix_help_requests_requester_id"), "help_requests", ["requester_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_help_requests_requester_id"), table_name="help_requests")
    op.drop_index(op.f("ix_help_requests_helper_id"), table_name="help_requests")
    op.drop_index("ix_help_requests_community_status", table_name="help_requests")
    op.drop_table("help_requests")
    op.drop_index(op.f("ix_activity_signups_user_id"), table_name="activity_signups")
    op.drop_table("activity_signups")
    op.drop_index("ix_activities_community_start", table_name="activities")
    op.drop_table("activities")
    for name in ("help_status", "activity_signup_status", "activity_status"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=False)
