"""The demo seed leaves categories and tickets in several states."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import demo
from app.models.tickets import Ticket, TicketCategory
from tests.support.factories import TEST_SETTINGS


async def test_demo_seed_has_tickets_in_several_states(db: AsyncSession) -> None:
    world = await demo.seed(db, TEST_SETTINGS)
    assert world is not None
    # The grid demo adds its own category (楼道设施, routed to the grid).
    assert (
        await db.scalar(select(func.count()).select_from(TicketCategory).where(~TicketCategory.route_to_grid))
    ) == 8
    states = set((await db.execute(select(Ticket.status))).scalars())
    assert {s.value for s in states} >= {
        "submitted",
        "dispatched",
        "in_progress",
        "pending_info",
        "closed",
        "rejected",
    }
