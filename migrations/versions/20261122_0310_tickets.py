"""tickets: categories with SLA, tickets, timeline, extensions, photos, Open311 clients

Revision ID: 20261122_0310_tickets
Revises: 20261122_0300_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0310_tickets"
down_revision: str | None = "20261122_0300_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUMS = ("ticket_status", "ticket_channel", "ticket_rating", "ticket_visibility", "ticket_extension_status")
# ticket_events reuses the enum type created with tickets.
STATUS_REF = postgresql.ENUM(
    "submitted",
    "accepted",
    "dispatched",
    "in_progress",
    "pending_info",
    "resolved",
    "closed",
    "rejected",
    "merged",
    name="ticket_status",
    create_type=False,
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "ticket_categories",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("default_department_id", sa.Uuid(), nullable=True),
        sa.Column("accept_within_hours", sa.Integer(), nullable=False),
        sa.Column("resolve_within_hours", sa.Integer(), nullable=False),
        sa.Column("working_time", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "accept_within_hours > 0 AND resolve_within_hours > 0",
            name=op.f("ck_ticket_categories_sla_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_ticket_categories_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["default_department_id"],
            ["org_units.id"],
            name=op.f("fk_ticket_categories_default_department_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_categories")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_ticket_categories_community_id_name")),
    )
    op.create_index(
        op.f("ix_ticket_categories_community_id"), "ticket_categories", ["community_id"], unique=False
    )
    op.create_table(
        "ticket_day_counters",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_ticket_day_counters_community_id_org_units")
        ),
        sa.PrimaryKeyConstraint("community_id", "day", name=op.f("pk_ticket_day_counters")),
    )
    op.create_table(
        "open311_clients",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_open311_clients_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_open311_clients_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_clients")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_clients_key_hash")),
    )
    op.create_table(
        "tickets",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "dispatched",
                "in_progress",
                "pending_info",
                "resolved",
                "closed",
                "rejected",
                "merged",
                name="ticket_status",
            ),
            nullable=False,
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column(
            "channel", sa.Enum("app", "hotline", "walk_in", "open311", name="ticket_channel"), nullable=False
        ),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("caller_name", sa.String(length=50), nullable=True),
        sa.Column("caller_phone", sa.String(length=20), nullable=True),
        sa.Column("open311_client_id", sa.Uuid(), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=True),
        sa.Column("accept_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queue_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resume_status", STATUS_REF, nullable=True),
        sa.Column("overdue_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column(
            "rating",
            sa.Enum("satisfied", "basically_satisfied", "unsatisfied", name="ticket_rating"),
            nullable=True,
        ),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed("lower(number || ' ' || title || ' ' || description)", persisted=True),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status <> 'merged' OR merged_into_id IS NOT NULL", name=op.f("ck_tickets_merged_has_survivor")
        ),
        sa.CheckConstraint("priority >= 0", name=op.f("ck_tickets_priority_non_negative")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_tickets_assignee_id_users")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["ticket_categories.id"], name=op.f("fk_tickets_category_id_ticket_categories")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_tickets_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_tickets_created_by_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["org_units.id"], name=op.f("fk_tickets_department_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["tickets.id"], name=op.f("fk_tickets_merged_into_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["open311_client_id"],
            ["open311_clients.id"],
            name=op.f("fk_tickets_open311_client_id_open311_clients"),
        ),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], name=op.f("fk_tickets_reporter_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_tickets_community_id_number")),
    )
    op.create_index("ix_tickets_assignee_queue", "tickets", ["assignee_id", "queue_at", "id"], unique=False)
    op.create_index(op.f("ix_tickets_category_id"), "tickets", ["category_id"], unique=False)
    op.create_index("ix_tickets_community_created", "tickets", ["community_id", "created_at"], unique=False)
    op.create_index(
        "ix_tickets_community_status_queue",
        "tickets",
        ["community_id", "status", "queue_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_tickets_department_queue", "tickets", ["department_id", "queue_at", "id"], unique=False
    )
    op.create_index("ix_tickets_queue_global", "tickets", ["queue_at", "id"], unique=False)
    op.create_index("ix_tickets_queue", "tickets", ["community_id", "queue_at", "id"], unique=False)
    op.create_index(
        "ix_tickets_reporter_created", "tickets", ["reporter_id", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_tickets_resolved_at",
        "tickets",
        ["resolved_at"],
        unique=False,
        postgresql_where=sa.text("status = 'resolved'"),
    )
    op.create_index(
        "ix_tickets_search_trgm",
        "tickets",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_table(
        "ticket_attachments",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumb_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_attachments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_ticket_attachments_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_attachments")),
    )
    op.create_index(
        op.f("ix_ticket_attachments_ticket_id"), "ticket_attachments", ["ticket_id"], unique=False
    )
    op.create_table(
        "ticket_events",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", STATUS_REF, nullable=True),
        sa.Column("to_status", STATUS_REF, nullable=True),
        sa.Column("visibility", sa.Enum("public", "internal", name="ticket_visibility"), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_ticket_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index(
        "ix_ticket_events_ticket_created", "ticket_events", ["ticket_id", "created_at"], unique=False
    )
    op.create_table(
        "ticket_extensions",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "approved", "rejected", name="ticket_extension_status"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_ticket_extensions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_ticket_extensions_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_extensions_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_extensions")),
    )
    op.create_index(op.f("ix_ticket_extensions_ticket_id"), "ticket_extensions", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_extensions_ticket_id"), table_name="ticket_extensions")
    op.drop_table("ticket_extensions")
    op.drop_index("ix_ticket_events_ticket_created", table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_index(op.f("ix_ticket_attachments_ticket_id"), table_name="ticket_attachments")
    op.drop_table("ticket_attachments")
    op.drop_index(
        "ix_tickets_search_trgm",
        table_name="tickets",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.drop_index(
        "ix_tickets_resolved_at", table_name="tickets", postgresql_where=sa.text("status = 'resolved'")
    )
    op.drop_index("ix_tickets_reporter_created", table_name="tickets")
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.drop_index("ix_tickets_queue_global", table_name="tickets")
    op.drop_index("ix_tickets_department_queue", table_name="tickets")
    op.drop_index("ix_tickets_community_status_queue", table_name="tickets")
    op.drop_index("ix_tickets_community_created", table_name="tickets")
    op.drop_index(op.f("ix_tickets_category_id"), table_name="tickets")
    op.drop_index("ix_tickets_assignee_queue", table_name="tickets")
    op.drop_table("tickets")
    op.drop_table("open311_clients")
    op.drop_table("ticket_day_counters")
    op.drop_index(op.f("ix_ticket_categories_community_id"), table_name="ticket_categories")
    op.drop_table("ticket_categories")
    for name in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {name}")
