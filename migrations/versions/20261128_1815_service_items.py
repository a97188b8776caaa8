"""service items: catalogue with versions, applications and their timeline, office hours and the walk-in
queue (issue #16); the 代办员 role (`agent`)

Revision ID: 20261128_1815_service_items
Revises: 20261122_0510_activity_remind
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261128_1815_service_items"
down_revision: str | None = "20261122_0510_activity_remind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ENUMS = (
    "service_item_category",
    "service_channel",
    "service_consent",
    "service_request_status",
    "service_handover",
    "service_rating",
    "office_topic",
    "office_recurrence",
    "office_queue_status",
)


def upgrade() -> None:
    # A new value cannot be used in the transaction that adds it; nothing here uses it.
    op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'agent'")
    op.create_table(
        "service_request_counters",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["org_units.id"],
            name=op.f("fk_service_request_counters_community_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("community_id", "day", name=op.f("pk_service_request_counters")),
    )
    op.create_table(
        "service_items",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_service_items_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_service_items_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_items")),
        sa.UniqueConstraint("community_id", "code", name=op.f("uq_service_items_community_id_code")),
    )
    op.create_index(op.f("ix_service_items_community_id"), "service_items", ["community_id"], unique=False)
    op.create_table(
        "office_hours",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("official_id", sa.Uuid(), nullable=True),
        sa.Column("official_name", sa.String(length=50), nullable=False),
        sa.Column("official_title", sa.String(length=100), nullable=False),
        sa.Column(
            "topic",
            sa.Enum(
                "legal_aid", "mediation", "hr_policy", "civil_affairs", "clinic", "other", name="office_topic"
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("recurrence", sa.Enum("weekly", "monthly", name="office_recurrence"), nullable=False),
        sa.Column("weekdays", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("weeks_of_month", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booking_service_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_office_hours_capacity_not_negative")),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_office_hours_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["booking_service_id"],
            ["booking_services.id"],
            name=op.f("fk_office_hours_booking_service_id_booking_services"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_office_hours_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_office_hours_created_by_users")),
        sa.ForeignKeyConstraint(
            ["official_id"], ["users.id"], name=op.f("fk_office_hours_official_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_hours")),
    )
    op.create_index(op.f("ix_office_hours_community_id"), "office_hours", ["community_id"], unique=False)
    op.create_index(op.f("ix_office_hours_official_id"), "office_hours", ["official_id"], unique=False)
    op.create_table(
        "service_item_versions",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "civil_affairs",
                "veterans",
                "family_planning",
                "employment",
                "social_security",
                "disability",
                "other",
                name="service_item_category",
            ),
            nullable=False,
        ),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("materials", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("time_limit_days", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.Column("channels", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("fee_fen >= 0", name=op.f("ck_service_item_versions_fee_not_negative")),
        sa.CheckConstraint(
            "time_limit_days >= 0", name=op.f("ck_service_item_versions_time_limit_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_service_item_versions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["org_units.id"], name=op.f("fk_service_item_versions_department_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["service_items.id"],
            name=op.f("fk_service_item_versions_item_id_service_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_item_versions")),
        sa.UniqueConstraint("item_id", "version", name=op.f("uq_service_item_versions_item_id_version")),
    )
    op.create_index(
        op.f("ix_service_item_versions_department_id"),
        "service_item_versions",
        ["department_id"],
        unique=False,
    )
    op.create_table(
        "office_sessions",
        sa.Column("office_hours_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("booking_slot_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_office_sessions_last_number_not_negative")),
        sa.ForeignKeyConstraint(
            ["booking_slot_id"],
            ["booking_slots.id"],
            name=op.f("fk_office_sessions_booking_slot_id_booking_slots"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_office_sessions_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["office_hours_id"],
            ["office_hours.id"],
            name=op.f("fk_office_sessions_office_hours_id_office_hours"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_sessions")),
        sa.UniqueConstraint("office_hours_id", "day", name=op.f("uq_office_sessions_office_hours_id_day")),
    )
    op.create_table(
        "service_requests",
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("item_version_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("taken_by_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.Enum("window", "agent", "online", name="service_channel"), nullable=False),
        sa.Column(
            "consent",
            sa.Enum("own", "in_person", "app", "signed_form", name="service_consent"),
            nullable=True,
        ),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_noted_by", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_consent",
                "incomplete",
                "submitted",
                "processing",
                "correction",
                "approved",
                "rejected",
                "handed_over",
                name="service_request_status",
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("materials_received", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("paused_on", sa.Date(), nullable=True),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("escalated_for", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column(
            "handover",
            sa.Enum("window_pickup", "delivery", "agent_handover", name="service_handover"),
            nullable=True,
        ),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "rating",
            sa.Enum("satisfied", "basically_satisfied", "unsatisfied", name="service_rating"),
            nullable=True,
        ),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("paused_days >= 0", name=op.f("ck_service_requests_paused_days_not_negative")),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_service_requests_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_service_requests_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["consent_noted_by"], ["users.id"], name=op.f("fk_service_requests_consent_noted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["org_units.id"], name=op.f("fk_service_requests_department_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["service_items.id"], name=op.f("fk_service_requests_item_id_service_items")
        ),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["service_item_versions.id"],
            name=op.f("fk_service_requests_item_version_id_service_item_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["taken_by_id"], ["users.id"], name=op.f("fk_service_requests_taken_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_service_requests_number")),
    )
    op.create_index(
        op.f("ix_service_requests_applicant_id"), "service_requests", ["applicant_id"], unique=False
    )
    op.create_index(
        "ix_service_requests_community_created",
        "service_requests",
        ["community_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_service_requests_department_id"), "service_requests", ["department_id"], unique=False
    )
    op.create_index(op.f("ix_service_requests_item_id"), "service_requests", ["item_id"], unique=False)
    op.create_index(
        "ix_service_requests_open_due",
        "service_requests",
        ["due_on"],
        unique=False,
        postgresql_where=sa.text("status IN ('submitted', 'processing')"),
    )
    op.create_index(
        op.f("ix_service_requests_taken_by_id"), "service_requests", ["taken_by_id"], unique=False
    )
    op.create_table(
        "office_queue_numbers",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("taken_by", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Enum("waiting", "called", "done", name="office_queue_status"), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["called_by"], ["users.id"], name=op.f("fk_office_queue_numbers_called_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["office_sessions.id"],
            name=op.f("fk_office_queue_numbers_session_id_office_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taken_by"], ["users.id"], name=op.f("fk_office_queue_numbers_taken_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_office_queue_numbers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_queue_numbers")),
        sa.UniqueConstraint("session_id", "number", name=op.f("uq_office_queue_numbers_session_id_number")),
    )
    op.create_index(
        "ix_office_queue_numbers_session_status",
        "office_queue_numbers",
        ["session_id", "status", "number"],
        unique=False,
    )
    op.create_index(
        "uq_office_queue_numbers_session_user",
        "office_queue_numbers",
        ["session_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.create_table(
        "service_request_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_consent",
                "incomplete",
                "submitted",
                "processing",
                "correction",
                "approved",
                "rejected",
                "handed_over",
                name="service_request_status",
            ),
            nullable=True,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_service_request_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_service_request_events_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_service_request_events")),
    )
    op.create_index(
        "ix_service_request_events_request_seq", "service_request_events", ["request_id", "seq"], unique=False
    )
    op.create_table(
        "office_consultation_notes",
        sa.Column("office_hours_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("queue_number_id", sa.Uuid(), nullable=True),
        sa.Column("resident_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_office_consultation_notes_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["org_units.id"],
            name=op.f("fk_office_consultation_notes_community_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["office_hours_id"],
            ["office_hours.id"],
            name=op.f("fk_office_consultation_notes_office_hours_id_office_hours"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_number_id"],
            ["office_queue_numbers.id"],
            name=op.f("fk_office_consultation_notes_queue_number_id_office_queue_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["users.id"], name=op.f("fk_office_consultation_notes_resident_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_consultation_notes")),
    )
    op.create_index(
        op.f("ix_office_consultation_notes_office_hours_id"),
        "office_consultation_notes",
        ["office_hours_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_office_consultation_notes_office_hours_id"), table_name="office_consultation_notes"
    )
    op.drop_table("office_consultation_notes")
    op.drop_index("ix_service_request_events_request_seq", table_name="service_request_events")
    op.drop_table("service_request_events")
    op.drop_index(
        "uq_office_queue_numbers_session_user",
        table_name="office_queue_numbers",
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.drop_index("ix_office_queue_numbers_session_status", table_name="office_queue_numbers")
    op.drop_table("office_queue_numbers")
    op.drop_index(op.f("ix_service_requests_taken_by_id"), table_name="service_requests")
    op.drop_index(
        "ix_service_requests_open_due",
        table_name="service_requests",
        postgresql_where=sa.text("status IN ('submitted', 'processing')"),
    )
    op.drop_index(op.f("ix_service_requests_item_id"), table_name="service_requests")
    op.drop_index(op.f("ix_service_requests_department_id"), table_name="service_requests")
    op.drop_index("ix_service_requests_community_created", table_name="service_requests")
    op.drop_index(op.f("ix_service_requests_applicant_id"), table_name="service_requests")
    op.drop_table("service_requests")
    op.drop_table("office_sessions")
    op.drop_index(op.f("ix_service_item_versions_department_id"), table_name="service_item_versions")
    op.drop_table("service_item_versions")
    op.drop_index(op.f("ix_office_hours_official_id"), table_name="office_hours")
    op.drop_index(op.f("ix_office_hours_community_id"), table_name="office_hours")
    op.drop_table("office_hours")
    op.drop_index(op.f("ix_service_items_community_id"), table_name="service_items")
    op.drop_table("service_items")
    op.drop_table("service_request_counters")
    for name in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {name}")
    # PostgreSQL cannot drop an enum value: the agent grants go, the unused value stays until the
    # foundation's downgrade drops the whole type.
    op.execute("DELETE FROM role_grants WHERE role::text = 'agent'")
    op.execute("DELETE FROM invitations WHERE role::text = 'agent'")
