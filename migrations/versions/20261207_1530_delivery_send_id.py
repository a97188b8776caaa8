"""notifications: a send id committed before each subscribe-message call; `unconfirmed` deliveries

Revision ID: 20261207_1530_delivery_send_id
Revises: 20261207_1520_activity_backfill
Create Date: 2026-12-07 15:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_1530_delivery_send_id"
down_revision: str | None = "20261207_1520_activity_backfill"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "status IN ('pending', 'sent', 'refused', 'no_grant', 'failed', 'gave_up')"
NEW = "status IN ('pending', 'sent', 'refused', 'no_grant', 'failed', 'gave_up', 'unconfirmed')"


def upgrade() -> None:
    op.add_column("notification_deliveries", sa.Column("send_id", sa.Uuid(), nullable=True))
    op.add_column(
        "notification_deliveries", sa.Column("send_started_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_unique_constraint(
        op.f("uq_notification_deliveries_send_id"), "notification_deliveries", ["send_id"]
    )
    op.drop_constraint(
        op.f("ck_notification_deliveries_status_known"), "notification_deliveries", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_notification_deliveries_status_known"), "notification_deliveries", NEW
    )


def downgrade() -> None:
    op.execute("UPDATE notification_deliveries SET status = 'sent' WHERE status = 'unconfirmed'")
    op.drop_constraint(
        op.f("ck_notification_deliveries_status_known"), "notification_deliveries", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_notification_deliveries_status_known"), "notification_deliveries", OLD
    )
    op.drop_constraint(op.f("uq_notification_deliveries_send_id"), "notification_deliveries", type_="unique")
    op.drop_column("notification_deliveries", "send_started_at")
    op.drop_column("notification_deliveries", "send_id")
