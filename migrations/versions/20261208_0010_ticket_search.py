"""tickets: a finer histogram for search_text, so the planner sees how rare a searched phrase is

At a million tickets a text search (`q=`) for a rare phrase took 544 ms: with the default 100-entry
histogram PostgreSQL estimated `search_text LIKE '%#1037%'` at a thousand rows, so it walked the
urgency-ordered queue index filtering every row instead of asking the trigram index (11 rows, 1 ms).
A 1,000-entry histogram estimates rare phrases as rare; planning stays about 2 ms (docs/tickets.md).

Revision ID: 20261208_0010_ticket_search
Revises: 20261207_1600_review_panel
Create Date: 2026-12-08 00:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261208_0010_ticket_search"
down_revision: str | None = "20261207_1600_review_panel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE tickets ALTER COLUMN search_text SET STATISTICS 1000")
    op.execute("ANALYZE tickets")


def downgrade() -> None:
    op.execute("ALTER TABLE tickets ALTER COLUMN search_text SET STATISTICS -1")
