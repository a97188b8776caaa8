"""holidays: official holiday notices admins enter (over chinese_calendar), and the December warning

Revision ID: 20261207_1600_holiday_notices
Revises: 20261207_1530_delivery_send_id
Create Date: 2026-12-07 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_1600_holiday_notices"
down_revision: str | None = "20261207_1530_delivery_send_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_notices",
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("entered_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_holiday_notices_year_sane")),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["users.id"], name=op.f("fk_holiday_notices_entered_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_notices")),
        sa.UniqueConstraint("year", name=op.f("uq_holiday_notices_year")),
    )
    op.create_table(
        "holiday_notice_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.Enum("holiday", "workday", name="notice_day_kind"), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.CheckConstraint("EXTRACT(YEAR FROM day) = year", name=op.f("ck_holiday_notice_days_day_in_year")),
        sa.CheckConstraint(
            "kind <> 'workday' OR EXTRACT(ISODOW FROM day) >= 6",
            name=op.f("ck_holiday_notice_days_workday_on_weekend"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["holiday_notices.id"],
            name=op.f("fk_holiday_notice_days_notice_id_holiday_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday_notice_days")),
    )
    op.create_index(
        op.f("ix_holiday_notice_days_notice_id"), "holiday_notice_days", ["notice_id"], unique=False
    )
    op.create_table(
        "calendar_warnings",
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_warnings")),
    )


def downgrade() -> None:
    op.drop_table("calendar_warnings")
    op.drop_index(op.f("ix_holiday_notice_days_notice_id"), table_name="holiday_notice_days")
    op.drop_table("holiday_notice_days")
    op.drop_table("holiday_notices")
    sa.Enum(name="notice_day_kind").drop(op.get_bind(), checkfirst=True)
