"""The tickets domain's face for other domains (as `identity.service` and `grid.service` are theirs): call
these, never the modules behind them or the tables. The code is split along its sections — `categories`,
`intake`, `queries`, `workflow` (the state table), `deadlines`, `timeline`, `attachments` — and the router
calls those directly."""

from __future__ import annotations

from app.tickets.categories import get_category, list_categories
from app.tickets.intake import create_ticket, file_ticket
from app.tickets.queries import get_ticket

__all__ = ["create_ticket", "file_ticket", "get_category", "get_ticket", "list_categories"]
