"""The state machine is one table (app.tickets.workflow.TRANSITIONS): docs/tickets.md shows that table, every
move has its endpoint, and the API allows exactly the moves the table lists from each state."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.models.identity import User
from app.models.tickets import ExtensionStatus, Ticket, TicketCategory, TicketExtension, TicketStatus
from app.tickets import workflow
from app.tickets.workflow import MOVES, TRANSITIONS, Actor
from tests.support.factories import World, auth
from tests.support.tickets import make_category, make_ticket

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"
# The endpoint of a move, below /tickets/{id}/ (`{eid}`: a pending extension of the ticket).
PATHS = {"approve-extension": "extensions/{eid}/approve", "reject-extension": "extensions/{eid}/reject"}
HTTP_MOVES = [m for m in MOVES if m.who is not Actor.job]


def test_docs_show_the_table_the_code_enforces() -> None:
    doc = (ROOT / "docs" / "tickets.md").read_text()
    assert workflow.doc_table() in doc, (
        "docs/tickets.md's state table differs from app.tickets.workflow.MOVES: "
        "paste the output of `python -m app.tickets.workflow`"
    )


def test_the_table_covers_every_state_and_leads_only_to_states() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)
    for move in MOVES:
        assert move.sources, move.action
        assert set(move.to) <= set(TicketStatus)
    # Finished tickets move no further (refusing a stale extension request changes nothing).
    for done in (TicketStatus.closed, TicketStatus.rejected, TicketStatus.merged):
        assert set(TRANSITIONS[done]) <= {"reject-extension"}


def test_only_the_workflow_raises_invalid_transition() -> None:
    """One check (`require_transition`) instead of state tests scattered over the moves."""
    for path in sorted((ROOT / "app" / "tickets").glob("*.py")):
        if path.name in ("workflow.py", "errors.py"):
            continue
        names = {n.id for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Name)}
        assert "TicketInvalidTransition" not in names, path.name


def test_every_move_has_its_endpoint(app: FastAPI) -> None:
    posts = {path for path, item in app.openapi()["paths"].items() if "post" in item}
    for move in HTTP_MOVES:
        tail = PATHS.get(move.action, move.action).replace("{eid}", "{extension_id}")
        assert f"{API}/tickets/{{ticket_id}}/{tail}" in posts, move.action


def _body(action: str, world: World, survivor: Ticket) -> dict[str, Any] | None:
    return {
        "reject": {"reason": "不属于受理范围"},
        "dispatch": {"assignee_id": str(world.handler.id)},
        "return": {"reason": "不属于本部门"},
        "resolve": {"reply": "已修好"},
        "request-info": {"question": "几楼？"},
        "provide-info": {"answer": "5楼"},
        "extend": {"until": (clock.now() + timedelta(days=30)).isoformat(), "reason": "等配件"},
        "evaluate": {"rating": "satisfied"},
        "merge": {"into_id": str(survivor.id)},
    }.get(action)


def _actor(who: Actor, world: World) -> User:
    return {
        Actor.staff: world.staff,
        Actor.handler: world.handler,
        Actor.staff_or_handler: world.staff,
        Actor.reporter_or_staff: world.resident,
    }[who]


async def _ticket_in(
    db: AsyncSession, world: World, category: TicketCategory, state: TicketStatus, survivor: Ticket
) -> Ticket:
    ticket = await make_ticket(db, category, world.resident)
    ticket.status = state
    if state is TicketStatus.merged:
        ticket.merged_into_id = survivor.id
    ticket.department_id = world.department.id
    ticket.assignee_id = world.handler.id
    ticket.due_at = clock.now() + timedelta(days=1)
    if state is TicketStatus.pending_info:
        ticket.paused_at = clock.now()
        ticket.resume_status = TicketStatus.dispatched
    await db.flush()
    return ticket


@pytest.mark.parametrize("state", list(TicketStatus))
async def test_the_api_allows_exactly_the_tables_moves(
    client: httpx.AsyncClient, db: AsyncSession, world: World, state: TicketStatus
) -> None:
    category = await make_category(db, world.community)
    survivor = await make_ticket(db, category, world.neighbour)
    for move in HTTP_MOVES:
        ticket = await _ticket_in(db, world, category, state, survivor)
        tail = move.action
        if move.action in PATHS:
            extension = TicketExtension(
                ticket_id=ticket.id,
                requested_by=world.handler.id,
                until=clock.now() + timedelta(days=20),
                reason="等配件",
                status=ExtensionStatus.pending,
                created_at=clock.now(),
            )
            db.add(extension)
            await db.flush()
            tail = PATHS[move.action].format(eid=extension.id)
        r = await client.post(
            f"{API}/tickets/{ticket.id}/{tail}",
            json=_body(move.action, world, survivor),
            headers=auth(_actor(move.who, world)),
        )
        if move.action in TRANSITIONS[state]:
            assert r.status_code in (200, 201), (state, move.action, r.text)
            after = r.json().get("status")
            if move.to and after is not None:
                assert after in move.to, (state, move.action, after)
        else:
            assert r.status_code == 409, (state, move.action, r.text)
            assert r.json()["code"] == "invalid_transition", (state, move.action)
            assert r.json()["current_status"] == state.value
