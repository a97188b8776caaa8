"""HTTP routes of the tickets domain: parse, authorise, call one service function."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.idempotency import IdempotencyDep
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Handler, Staff
from app.models.tickets import TicketCategory, TicketExtension, TicketStatus
from app.tickets import service
from app.tickets.schemas import (
    AnswerIn,
    CategoryIn,
    CategoryOut,
    CommentIn,
    DispatchIn,
    EvaluateIn,
    EventOut,
    ExtendIn,
    ExtensionOut,
    MergeIn,
    QuestionIn,
    ReasonIn,
    ResolveIn,
    TicketIn,
    TicketOut,
)

router = APIRouter()
TicketId = Annotated[uuid.UUID, Path(description="Ticket id")]
TAGS: list[str | Any] = ["tickets"]


@router.get("/ticket-categories", response_model=list[CategoryOut], tags=TAGS)
async def list_categories(
    who: CurrentUser, db: DB, community_id: Annotated[uuid.UUID | None, Query()] = None
) -> list[TicketCategory]:
    """Ticket categories of a community (default: yours) with their SLA."""
    return await service.list_categories(db, who, community_id)


@router.post("/ticket-categories", response_model=CategoryOut, status_code=201, tags=TAGS)
async def create_category(body: CategoryIn, who: Staff, db: DB) -> TicketCategory:
    """Create a category with its default department and SLA policy."""
    return await service.create_category(db, who, body)


@router.post("/tickets", response_model=TicketOut, status_code=201, tags=TAGS)
async def create_ticket(body: TicketIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """File a ticket: residents in the app; staff for a hotline call or a walk-in (受理登记)."""
    return await idem.run(
        str(who.id), TicketOut, lambda: service.create_ticket(db, who, body), status_code=201
    )


@router.get("/tickets", response_model=Page[TicketOut], tags=TAGS)
async def list_tickets(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: Annotated[list[TicketStatus] | None, Query(description="One or more states")] = None,
    category_id: Annotated[uuid.UUID | None, Query()] = None,
    assignee: Annotated[Literal["me"] | None, Query(description="me: assigned to me")] = None,
    overdue: Annotated[bool | None, Query()] = None,
    department_id: Annotated[uuid.UUID | None, Query()] = None,
    community_id: Annotated[uuid.UUID | None, Query()] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Title, description, number")
    ] = None,
    mine: Annotated[bool, Query(description="Only tickets I filed")] = False,
) -> Page[Any]:
    """Queue: staff see the community's, handlers theirs, residents their own; most urgent first."""
    filters = service.TicketFilters(
        status=status,
        category_id=category_id,
        assignee=assignee,
        overdue=overdue,
        department_id=department_id,
        community_id=community_id,
        q=q,
        mine=mine,
    )
    items, cursor = await service.list_tickets(db, who, filters, page)
    return Page[Any](items=items, next_cursor=cursor)


@router.get("/tickets/{ticket_id}", response_model=TicketOut, tags=TAGS)
async def get_ticket(ticket_id: TicketId, who: CurrentUser, db: DB) -> TicketOut:
    """One ticket with its state, deadlines and number."""
    return await service.get_ticket(db, who, ticket_id)


@router.get("/tickets/{ticket_id}/events", response_model=list[EventOut], tags=TAGS)
async def ticket_events(ticket_id: TicketId, who: CurrentUser, db: DB) -> list[EventOut]:
    """The timeline (internal events for staff and handlers only)."""
    return await service.events(db, who, ticket_id)


@router.post("/tickets/{ticket_id}/accept", response_model=TicketOut, tags=TAGS)
async def accept(ticket_id: TicketId, who: Staff, db: DB) -> TicketOut:
    """受理: take the ticket in."""
    return await service.accept(db, who, ticket_id)


@router.post("/tickets/{ticket_id}/reject", response_model=TicketOut, tags=TAGS)
async def reject(ticket_id: TicketId, body: ReasonIn, who: Staff, db: DB) -> TicketOut:
    """不予受理, with a reason."""
    return await service.reject(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/dispatch", response_model=TicketOut, tags=TAGS)
async def dispatch(ticket_id: TicketId, body: DispatchIn, who: Staff, db: DB) -> TicketOut:
    """派单 to a department and/or a handler."""
    return await service.dispatch(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/start", response_model=TicketOut, tags=TAGS)
async def start(ticket_id: TicketId, who: Handler, db: DB) -> TicketOut:
    """签收: the handler takes it on."""
    return await service.start(db, who, ticket_id)


@router.post("/tickets/{ticket_id}/return", response_model=TicketOut, tags=TAGS)
async def return_ticket(ticket_id: TicketId, body: ReasonIn, who: Handler, db: DB) -> TicketOut:
    """退单: give it back to the dispatcher, with a reason."""
    return await service.return_ticket(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketOut, tags=TAGS)
async def resolve(ticket_id: TicketId, body: ResolveIn, who: Handler, db: DB) -> TicketOut:
    """答复: the handler's reply."""
    return await service.resolve(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/request-info", response_model=TicketOut, tags=TAGS)
async def request_info(ticket_id: TicketId, body: QuestionIn, who: CurrentUser, db: DB) -> TicketOut:
    """待补充: ask the reporter for more; pauses the SLA clock (staff or handler)."""
    return await service.request_info(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/provide-info", response_model=TicketOut, tags=TAGS)
async def provide_info(ticket_id: TicketId, body: AnswerIn, who: CurrentUser, db: DB) -> TicketOut:
    """The reporter's answer; the clock resumes with the paused time added back."""
    return await service.provide_info(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/extend", response_model=ExtensionOut, status_code=201, tags=TAGS)
async def extend(ticket_id: TicketId, body: ExtendIn, who: Handler, db: DB) -> TicketExtension:
    """延期: the handler asks for a later deadline."""
    return await service.request_extension(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/extensions/{extension_id}/approve", response_model=TicketOut, tags=TAGS)
async def approve_extension(ticket_id: TicketId, extension_id: uuid.UUID, who: Staff, db: DB) -> TicketOut:
    """Approve an extension: the deadline moves to its date."""
    return await service.decide_extension(db, who, ticket_id, extension_id, approve=True)


@router.post("/tickets/{ticket_id}/extensions/{extension_id}/reject", response_model=TicketOut, tags=TAGS)
async def reject_extension(ticket_id: TicketId, extension_id: uuid.UUID, who: Staff, db: DB) -> TicketOut:
    """Refuse an extension: the deadline stays."""
    return await service.decide_extension(db, who, ticket_id, extension_id, approve=False)


@router.post("/tickets/{ticket_id}/evaluate", response_model=TicketOut, tags=TAGS)
async def evaluate(ticket_id: TicketId, body: EvaluateIn, who: CurrentUser, db: DB) -> TicketOut:
    """回访/评价: closes the ticket, or reopens it when unsatisfied."""
    return await service.evaluate(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/merge", response_model=TicketOut, tags=TAGS)
async def merge(ticket_id: TicketId, body: MergeIn, who: Staff, db: DB) -> TicketOut:
    """Close this duplicate as merged into another ticket."""
    return await service.merge(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/comments", response_model=EventOut, status_code=201, tags=TAGS)
async def comment(ticket_id: TicketId, body: CommentIn, who: CurrentUser, db: DB) -> EventOut:
    """Add a public comment or an internal note to the timeline."""
    return await service.comment(db, who, ticket_id, body)
