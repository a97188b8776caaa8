"""consultation: meetings (协商议事) with topics, seats, attendance, minutes and votes; proposals move on

Revision ID: 20261207_1600_meetings
Revises: 20261207_1530_proposals
Create Date: 2026-12-07 15:36:19.220533+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261207_1600_meetings"
down_revision: str | None = "20261207_1530_proposals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parties", postgresql.ARRAY(sa.String(length=30)), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("planned", "closed", "cancelled", name="meeting_status"), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("attendance_at_close", sa.Integer(), nullable=True),
        sa.Column("minutes_note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_meetings_closed_with_time")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_meetings_ends_after_start")),
        sa.CheckConstraint("quorum >= 1", name=op.f("ck_meetings_quorum_positive")),
        sa.CheckConstraint(
            "seats >= 0 AND seats_taken >= 0 AND seats_taken <= seats",
            name=op.f("ck_meetings_seats_not_oversold"),
        ),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_meetings_closed_by_users")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_meetings_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_meetings_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index(
        "ix_meetings_community_starts", "meetings", ["community_id", "starts_at", "id"], unique=False
    )
    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("party", sa.String(length=30), nullable=True),
        sa.Column("method", sa.Enum("qr", "staff", name="meeting_attendance_method"), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_attendance_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_meeting_attendance_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_meeting_attendance_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint("meeting_id", "user_id", name=op.f("uq_meeting_attendance_meeting_id_user_id")),
    )
    op.create_index(
        op.f("ix_meeting_attendance_meeting_id"), "meeting_attendance", ["meeting_id"], unique=False
    )
    op.create_table(
        "meeting_registrations",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_registrations_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_registrations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_meeting_registrations")),
    )
    op.create_index(
        op.f("ix_meeting_registrations_user_id"), "meeting_registrations", ["user_id"], unique=False
    )
    op.create_table(
        "meeting_topics",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("proposal_id", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum("adopted", "rejected", "deferred", "referred", name="meeting_topic_outcome"),
            nullable=True,
        ),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("votes_abstain", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(outcome IS NULL) = (summary IS NULL)", name=op.f("ck_meeting_topics_outcome_with_summary")
        ),
        sa.CheckConstraint(
            "(votes_for IS NULL OR votes_for >= 0) AND (votes_against IS NULL OR votes_against >= 0) AND (votes_abstain IS NULL OR votes_abstain >= 0)",
            name=op.f("ck_meeting_topics_votes_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_meeting_topics_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_topics_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_meeting_topics_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_topics")),
        sa.UniqueConstraint("meeting_id", "position", name=op.f("uq_meeting_topics_meeting_id_position")),
        sa.UniqueConstraint(
            "meeting_id", "proposal_id", name=op.f("uq_meeting_topics_meeting_id_proposal_id")
        ),
    )
    op.create_index(op.f("ix_meeting_topics_proposal_id"), "meeting_topics", ["proposal_id"], unique=False)
    op.create_table(
        "meeting_votes",
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("attendance_id", sa.Uuid(), nullable=False),
        sa.Column("vote", sa.Enum("for", "against", "abstain", name="meeting_vote"), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["meeting_attendance.id"],
            name=op.f("fk_meeting_votes_attendance_id_meeting_attendance"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["meeting_topics.id"],
            name=op.f("fk_meeting_votes_topic_id_meeting_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", "attendance_id", name=op.f("pk_meeting_votes")),
    )
    op.add_column("proposals", sa.Column("outcome", sa.String(length=20), nullable=True))
    op.add_column("proposals", sa.Column("meeting_id", sa.Uuid(), nullable=True))
    op.add_column("proposals", sa.Column("decision_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_proposals_decision_id_decisions"), "proposals", "decisions", ["decision_id"], ["id"]
    )
    op.create_foreign_key(
        op.f("fk_proposals_meeting_id_meetings"), "proposals", "meetings", ["meeting_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_proposals_meeting_id_meetings"), "proposals", type_="foreignkey")
    op.drop_constraint(op.f("fk_proposals_decision_id_decisions"), "proposals", type_="foreignkey")
    op.drop_column("proposals", "decision_id")
    op.drop_column("proposals", "meeting_id")
    op.drop_column("proposals", "outcome")
    op.drop_table("meeting_votes")
    op.drop_index(op.f("ix_meeting_topics_proposal_id"), table_name="meeting_topics")
    op.drop_table("meeting_topics")
    op.drop_index(op.f("ix_meeting_registrations_user_id"), table_name="meeting_registrations")
    op.drop_table("meeting_registrations")
    op.drop_index(op.f("ix_meeting_attendance_meeting_id"), table_name="meeting_attendance")
    op.drop_table("meeting_attendance")
    op.drop_index("ix_meetings_community_starts", table_name="meetings")
    op.drop_table("meetings")
    for enum_type in ("meeting_vote", "meeting_topic_outcome", "meeting_attendance_method", "meeting_status"):
        op.execute(f"DROP TYPE {enum_type}")
