"""idempotency: keep the first response's exact bytes (text), so replays are byte-identical

JSONB re-orders object keys, so a replay equalled the first answer as JSON but not byte for byte.

Revision ID: 20261122_0500_idem_exact_body
Revises: 20261122_0400_notifications
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0500_idem_exact_body"
down_revision: str | None = "20261122_0400_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column(
        "idempotency_records",
        "response_body",
        type_=sa.Text(),
        existing_type=postgresql.JSONB(astext_type=sa.Text()),
        postgresql_using="response_body::text",
    )


def downgrade() -> None:
    op.alter_column(
        "idempotency_records",
        "response_body",
        type_=postgresql.JSONB(astext_type=sa.Text()),
        existing_type=sa.Text(),
        postgresql_using="response_body::jsonb",
    )
