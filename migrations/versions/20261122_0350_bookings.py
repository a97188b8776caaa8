"""bookings: services, slots, bookings, no-show suspensions (issue #6)

Revision ID: 20261122_0350_bookings
Revises: 20261122_0340_merchants
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0350_bookings"
down_revision: str | None = "20261122_0340_merchants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUMS = ("booking_status", "booking_slot_status", "booking_audience", "booking_provider_kind")


def upgrade() -> None:
    op.create_table(
        "booking_services",
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "provider_kind",
            sa.Enum("centre", "social_org", "merchant", name="booking_provider_kind"),
            nullable=False,
        ),
        sa.Column("provider_name", sa.String(length=100), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("everyone", "residents", "seniors", name="booking_audience"),
            nullable=False,
        ),
        sa.Column("points_price", sa.Integer(), nullable=False),
        sa.Column("opens_days_ahead", sa.Integer(), nullable=False),
        sa.Column("closes_minutes_before", sa.Integer(), nullable=False),
        sa.Column("cancel_before_minutes", sa.Integer(), nullable=False),
        sa.Column("quota_per_week", sa.Integer(), nullable=True),
        sa.Column("quota_per_day", sa.Integer(), nullable=True),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("waitlist", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provider_kind <> 'merchant' OR merchant_id IS NOT NULL",
            name=op.f("ck_booking_services_merchant_provider"),
        ),
        sa.CheckConstraint(
            "(quota_per_week IS NULL OR quota_per_week > 0) AND (quota_per_day IS NULL OR quota_per_day > 0)",
            name=op.f("ck_booking_services_quota_positive"),
        ),
        sa.CheckConstraint("cancel_before_minutes >= 0", name=op.f("ck_booking_services_cancel_valid")),
        sa.CheckConstraint(
            "opens_days_ahead >= 0 AND closes_minutes_before >= 0",
            name=op.f("ck_booking_services_window_valid"),
        ),
        sa.CheckConstraint("points_price >= 0", name=op.f("ck_booking_services_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_booking_services_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_booking_services_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_booking_services_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_services")),
    )
    op.create_index(
        op.f("ix_booking_services_community_id"), "booking_services", ["community_id"], unique=False
    )
    op.create_table(
        "booking_suspensions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("no_shows", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_booking_suspensions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_suspensions")),
    )
    op.create_index(
        "ix_booking_suspensions_user_ends", "booking_suspensions", ["user_id", "ends_at"], unique=False
    )
    op.create_table(
        "booking_slots",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.Enum("open", "closed", "cancelled", name="booking_slot_status"), nullable=False
        ),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity", name=op.f("ck_booking_slots_within_capacity")
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_booking_slots_capacity_positive")),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_booking_slots_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_booking_slots_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["booking_services.id"],
            name=op.f("fk_booking_slots_service_id_booking_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_slots")),
    )
    op.create_index(
        "ix_booking_slots_community_start", "booking_slots", ["community_id", "start_at"], unique=False
    )
    op.create_index(
        "uq_booking_slots_service_start",
        "booking_slots",
        ["service_id", "start_at"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.create_table(
        "bookings",
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("booked_by", sa.Uuid(), nullable=False),
        sa.Column("slot_start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending_approval",
                "confirmed",
                "waitlisted",
                "checked_in",
                "no_show",
                "cancelled",
                name="booking_status",
            ),
            nullable=False,
        ),
        sa.Column("waitlist_position", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.Uuid(), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.Uuid(), nullable=True),
        sa.Column("no_show_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("reminded_day_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_hour_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name=op.f("ck_bookings_waitlist_position_iff_waitlisted"),
        ),
        sa.CheckConstraint("points >= 0", name=op.f("ck_bookings_points_not_negative")),
        sa.ForeignKeyConstraint(["approved_by"], ["users.id"], name=op.f("fk_bookings_approved_by_users")),
        sa.ForeignKeyConstraint(["booked_by"], ["users.id"], name=op.f("fk_bookings_booked_by_users")),
        sa.ForeignKeyConstraint(["cancelled_by"], ["users.id"], name=op.f("fk_bookings_cancelled_by_users")),
        sa.ForeignKeyConstraint(
            ["checked_in_by"], ["users.id"], name=op.f("fk_bookings_checked_in_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["org_units.id"], name=op.f("fk_bookings_community_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["booking_services.id"],
            name=op.f("fk_bookings_service_id_booking_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["booking_slots.id"],
            name=op.f("fk_bookings_slot_id_booking_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bookings_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("code", name=op.f("uq_bookings_code")),
    )
    op.create_index("ix_bookings_community_created", "bookings", ["community_id", "created_at"], unique=False)
    op.create_index(op.f("ix_bookings_service_id"), "bookings", ["service_id"], unique=False)
    op.create_index("ix_bookings_slot_status", "bookings", ["slot_id", "status"], unique=False)
    op.create_index("ix_bookings_user_start", "bookings", ["user_id", "slot_start_at"], unique=False)
    op.create_index(
        "uq_bookings_slot_user_active",
        "bookings",
        ["slot_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_bookings_slot_user_active",
        table_name="bookings",
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.drop_index("ix_bookings_user_start", table_name="bookings")
    op.drop_index("ix_bookings_slot_status", table_name="bookings")
    op.drop_index(op.f("ix_bookings_service_id"), table_name="bookings")
    op.drop_index("ix_bookings_community_created", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index(
        "uq_booking_slots_service_start",
        table_name="booking_slots",
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.drop_index("ix_booking_slots_community_start", table_name="booking_slots")
    op.drop_table("booking_slots")
    op.drop_index("ix_booking_suspensions_user_ends", table_name="booking_suspensions")
    op.drop_table("booking_suspensions")
    op.drop_index(op.f("ix_booking_services_community_id"), table_name="booking_services")
    op.drop_table("booking_services")
    for name in ENUMS:
        op.execute(f"DROP TYPE IF EXISTS {name}")
