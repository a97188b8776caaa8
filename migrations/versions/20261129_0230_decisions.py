"""consultation: 四议两公开 decisions, steps, objections, ratings, append-only timeline

Revision ID: 20261129_0230_decisions
Revises: 20261128_1910_grid_board
Create Date: 2026-11-29 02:05:51.081138+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261129_0230_decisions"
down_revision: str | None = "20261128_1910_grid_board"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "deliberating",
                "rejected",
                "resolved",
                "publishing",
                "effective",
                "result_published",
                name="decision_status",
            ),
            nullable=False,
        ),
        sa.Column("passed_steps", sa.SmallInteger(), nullable=False),
        sa.Column("steps_recorded", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column("publication_text", sa.Text(), nullable=True),
        sa.Column("publication_days", sa.Integer(), nullable=True),
        sa.Column("publication_ends_on", sa.Date(), nullable=True),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_text", sa.Text(), nullable=True),
        sa.Column("result_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_published_by", sa.Uuid(), nullable=True),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("passed_steps BETWEEN 0 AND 4", name=op.f("ck_decisions_passed_steps_range")),
        sa.CheckConstraint(
            "rating_count >= 0 AND rating_sum >= 0", name=op.f("ck_decisions_ratings_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_decisions_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_decisions_created_by_users")),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"], name=op.f("fk_decisions_published_by_users")),
        sa.ForeignKeyConstraint(
            ["result_published_by"], ["users.id"], name=op.f("fk_decisions_result_published_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(
        "ix_decisions_community_created", "decisions", ["community_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "decision_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_decision_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_decision_events_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_decision_events")),
    )
    op.create_index(
        "ix_decision_events_decision_seq", "decision_events", ["decision_id", "seq"], unique=False
    )
    op.create_table(
        "decision_objections",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Uuid(), nullable=True),
        sa.Column("escalation_level", sa.SmallInteger(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(answered_at IS NULL) = (answer IS NULL)",
            name=op.f("ck_decision_objections_answer_and_time_together"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_decision_objections_answered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_decision_objections_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_objections_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_decision_objections_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_objections")),
    )
    op.create_index(
        "ix_decision_objections_decision", "decision_objections", ["decision_id", "filed_at"], unique=False
    )
    op.create_index(
        "ix_decision_objections_open_due",
        "decision_objections",
        ["answer_due_on"],
        unique=False,
        postgresql_where=sa.text("answered_at IS NULL"),
    )
    op.create_index(op.f("ix_decision_objections_user_id"), "decision_objections", ["user_id"], unique=False)
    op.create_table(
        "decision_ratings",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_decision_ratings_score_range")),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_ratings_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_decision_ratings_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_ratings")),
        sa.UniqueConstraint("decision_id", "user_id", name=op.f("uq_decision_ratings_decision_id_user_id")),
    )
    op.create_table(
        "decision_steps",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.SmallInteger(), nullable=False),
        sa.Column("body", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("attendance", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("votes_abstain", sa.Integer(), nullable=True),
        sa.Column(
            "outcome", sa.Enum("passed", "failed", "returned", name="decision_step_outcome"), nullable=False
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "outcome <> 'passed' OR attendance >= quorum", name=op.f("ck_decision_steps_passed_with_quorum")
        ),
        sa.CheckConstraint(
            "attendance >= 0 AND quorum >= 1", name=op.f("ck_decision_steps_attendance_quorum")
        ),
        sa.CheckConstraint(
            "members IS NULL OR attendance <= members", name=op.f("ck_decision_steps_attendance_le_members")
        ),
        sa.CheckConstraint("step BETWEEN 1 AND 4", name=op.f("ck_decision_steps_step_range")),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_steps_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_decision_steps_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_steps")),
        sa.UniqueConstraint("decision_id", "seq", name=op.f("uq_decision_steps_decision_id_seq")),
    )
    # The timeline and the step records are append-only: no UPDATE, no DELETE (TRUNCATE is for tests).
    op.execute(
        """
        CREATE FUNCTION consultation_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$
        """
    )
    for table in ("decision_events", "decision_steps"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION consultation_append_only()"
        )


def downgrade() -> None:
    for table in ("decision_events", "decision_steps"):
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP FUNCTION consultation_append_only()")
    op.drop_table("decision_steps")
    op.drop_table("decision_ratings")
    op.drop_index(op.f("ix_decision_objections_user_id"), table_name="decision_objections")
    op.drop_index(
        "ix_decision_objections_open_due",
        table_name="decision_objections",
        postgresql_where=sa.text("answered_at IS NULL"),
    )
    op.drop_index("ix_decision_objections_decision", table_name="decision_objections")
    op.drop_table("decision_objections")
    op.drop_index("ix_decision_events_decision_seq", table_name="decision_events")
    op.drop_table("decision_events")
    op.drop_index("ix_decisions_community_created", table_name="decisions")
    op.drop_table("decisions")
    op.execute("DROP TYPE decision_step_outcome")
    op.execute("DROP TYPE decision_status")
