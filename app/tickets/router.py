"""HTTP routes of the tickets domain: parse, authorise, call one service function."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from app.core import exports, photos
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.core.text import Text
from app.identity.deps import CurrentUser, Handler, Staff
from app.models.tickets import TicketStatus
from app.platform.idempotency import IdempotencyDep
from app.tickets import (
    attachments,
    categories,
    deadlines,
    intake,
    queries,
    stats,
    timeline,
    workflow,
)
from app.tickets.config import rules
from app.tickets.open311_router import router as open311_router
from app.tickets.schemas import (
    AnswerIn,
    AttachmentOut,
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
OPEN311: list[str | Any] = ["open311"]


def _photo_links(request: Request) -> attachments.PhotoLinks:
    """A photo's address, from the request (so the mount point is the app's, not a constant)."""

    def link(ticket_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
        return request.url_for("download_photo", ticket_id=ticket_id, attachment_id=attachment_id).path

    return link


PhotoLinksDep = Annotated[attachments.PhotoLinks, Depends(_photo_links)]
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}, "description": "The image"}
}


@router.get("/ticket-categories", response_model=list[CategoryOut], tags=TAGS)
async def list_categories(
    who: CurrentUser, db: DB, community_id: Annotated[uuid.UUID | None, Query()] = None
) -> list[CategoryOut]:
    """Ticket categories of a community (default: yours) with their SLA."""
    return await categories.list_categories(db, who, community_id)


@router.post("/ticket-categories", response_model=CategoryOut, status_code=201, tags=TAGS)
async def create_category(body: CategoryIn, who: Staff, db: DB) -> CategoryOut:
    """Create a category with its default department and SLA policy."""
    return await categories.create_category(db, who, body)


@router.post("/tickets", response_model=TicketOut, status_code=201, tags=TAGS)
async def create_ticket(body: TicketIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """File a ticket: residents in the app; staff for a hotline call or a walk-in (受理登记)."""
    return await idem.run(
        str(who.id), TicketOut, lambda: intake.create_ticket(db, who, body), status_code=201
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
    grid_id: Annotated[uuid.UUID | None, Query(description="Tickets about buildings of this grid")] = None,
    building_id: Annotated[uuid.UUID | None, Query(description="Tickets about this building")] = None,
    q: Annotated[
        Text | None, Query(min_length=1, max_length=100, description="Title, description, number")
    ] = None,
    mine: Annotated[bool, Query(description="Only tickets I filed")] = False,
) -> Page[TicketOut]:
    """Queue: staff see the community's, handlers theirs, residents their own; most urgent first."""
    filters = queries.TicketFilters(
        status=status,
        category_id=category_id,
        assignee=assignee,
        overdue=overdue,
        department_id=department_id,
        community_id=community_id,
        grid_id=grid_id,
        building_id=building_id,
        q=q,
        mine=mine,
    )
    return await queries.list_tickets(db, who, filters, page)


@router.get("/tickets/{ticket_id}", response_model=TicketOut, tags=TAGS)
async def get_ticket(ticket_id: TicketId, who: CurrentUser, db: DB) -> TicketOut:
    """One ticket with its state, deadlines and number."""
    return await queries.get_ticket(db, who, ticket_id)


@router.get("/tickets/{ticket_id}/events", response_model=list[EventOut], tags=TAGS)
async def ticket_events(ticket_id: TicketId, who: CurrentUser, db: DB) -> list[EventOut]:
    """The timeline (internal events for staff and handlers only)."""
    return await timeline.events(db, who, ticket_id)


@router.post("/tickets/{ticket_id}/accept", response_model=TicketOut, tags=TAGS)
async def accept(ticket_id: TicketId, who: Staff, db: DB) -> TicketOut:
    """受理: take the ticket in."""
    return await workflow.accept(db, who, ticket_id)


@router.post("/tickets/{ticket_id}/reject", response_model=TicketOut, tags=TAGS)
async def reject(ticket_id: TicketId, body: ReasonIn, who: Staff, db: DB) -> TicketOut:
    """不予受理, with a reason."""
    return await workflow.reject(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/dispatch", response_model=TicketOut, tags=TAGS)
async def dispatch(ticket_id: TicketId, body: DispatchIn, who: Staff, db: DB) -> TicketOut:
    """派单 to a department and/or a handler."""
    return await workflow.dispatch(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/start", response_model=TicketOut, tags=TAGS)
async def start(ticket_id: TicketId, who: Handler, db: DB) -> TicketOut:
    """签收: the handler takes it on."""
    return await workflow.start(db, who, ticket_id)


@router.post("/tickets/{ticket_id}/return", response_model=TicketOut, tags=TAGS)
async def return_ticket(ticket_id: TicketId, body: ReasonIn, who: Handler, db: DB) -> TicketOut:
    """退单: give it back to the dispatcher, with a reason."""
    return await workflow.return_ticket(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketOut, tags=TAGS)
async def resolve(ticket_id: TicketId, body: ResolveIn, who: Handler, db: DB) -> TicketOut:
    """答复: the handler's reply."""
    return await workflow.resolve(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/request-info", response_model=TicketOut, tags=TAGS)
async def request_info(ticket_id: TicketId, body: QuestionIn, who: CurrentUser, db: DB) -> TicketOut:
    """待补充: ask the reporter for more; pauses the SLA clock (staff or handler)."""
    return await deadlines.request_info(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/provide-info", response_model=TicketOut, tags=TAGS)
async def provide_info(ticket_id: TicketId, body: AnswerIn, who: CurrentUser, db: DB) -> TicketOut:
    """The reporter's answer; the clock resumes with the paused time added back."""
    return await deadlines.provide_info(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/extend", response_model=ExtensionOut, status_code=201, tags=TAGS)
async def extend(ticket_id: TicketId, body: ExtendIn, who: Handler, db: DB) -> ExtensionOut:
    """延期: the handler asks for a later deadline."""
    return await deadlines.request_extension(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/extensions/{extension_id}/approve", response_model=TicketOut, tags=TAGS)
async def approve_extension(ticket_id: TicketId, extension_id: uuid.UUID, who: Staff, db: DB) -> TicketOut:
    """Approve an extension: the deadline moves to its date."""
    return await deadlines.decide_extension(db, who, ticket_id, extension_id, approve=True)


@router.post("/tickets/{ticket_id}/extensions/{extension_id}/reject", response_model=TicketOut, tags=TAGS)
async def reject_extension(ticket_id: TicketId, extension_id: uuid.UUID, who: Staff, db: DB) -> TicketOut:
    """Refuse an extension: the deadline stays."""
    return await deadlines.decide_extension(db, who, ticket_id, extension_id, approve=False)


@router.post("/tickets/{ticket_id}/evaluate", response_model=TicketOut, tags=TAGS)
async def evaluate(ticket_id: TicketId, body: EvaluateIn, who: CurrentUser, db: DB) -> TicketOut:
    """回访/评价: closes the ticket, or reopens it when unsatisfied."""
    return await workflow.evaluate(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/merge", response_model=TicketOut, tags=TAGS)
async def merge(ticket_id: TicketId, body: MergeIn, who: Staff, db: DB) -> TicketOut:
    """Close this duplicate as merged into another ticket."""
    return await workflow.merge(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/comments", response_model=EventOut, status_code=201, tags=TAGS)
async def comment(ticket_id: TicketId, body: CommentIn, who: CurrentUser, db: DB) -> EventOut:
    """Add a public comment or an internal note to the timeline."""
    return await timeline.comment(db, who, ticket_id, body)


@router.post("/tickets/{ticket_id}/attachments", response_model=AttachmentOut, status_code=201, tags=TAGS)
async def upload_photo(
    ticket_id: TicketId,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 10 MB")],
    who: CurrentUser,
    db: DB,
    storage: photos.PhotoStorage,
    links: PhotoLinksDep,
) -> AttachmentOut:
    """Add a photo (up to 9 per ticket); it is re-encoded without EXIF and thumbnailed."""
    raw = await file.read(rules().photo_max_bytes + 1)
    return await attachments.add_attachment(db, who, storage, links, ticket_id, raw)


@router.get("/tickets/{ticket_id}/attachments", response_model=list[AttachmentOut], tags=TAGS)
async def list_photos(
    ticket_id: TicketId, who: CurrentUser, db: DB, links: PhotoLinksDep
) -> list[AttachmentOut]:
    """The ticket's photos."""
    return await attachments.list_attachments(db, who, links, ticket_id)


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    response_class=Response,
    responses=IMAGE_RESPONSES,
    tags=TAGS,
)
async def download_photo(
    ticket_id: TicketId,
    attachment_id: uuid.UUID,
    who: CurrentUser,
    db: DB,
    storage: photos.PhotoStorage,
    thumbnail: bool = False,
) -> Response:
    """Download a photo (or its thumbnail), for those who may see the ticket."""
    data, content_type = await attachments.read_attachment(
        db, who, storage, ticket_id, attachment_id, thumbnail
    )
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


# ---------------------------------------------------------------- stats and exports

DateParam = Annotated[datetime | None, Query(description="ISO 8601 with offset")]


@router.get("/stats/tickets", response_model=stats.StatsOut, tags=TAGS)
async def ticket_stats(
    who: Staff,
    db: DB,
    from_: Annotated[datetime | None, Query(alias="from", description="Created at or after")] = None,
    to: Annotated[datetime | None, Query(description="Created before")] = None,
    community_id: Annotated[uuid.UUID | None, Query()] = None,
    group_by: Annotated[stats.GroupBy | None, Query()] = None,
    period: Annotated[stats.Period, Query(description="Bucket for group_by=period")] = "month",
) -> stats.StatsOut:
    """Counts by state, response, on-time and satisfaction rates, time to resolve."""
    return await stats.ticket_stats(
        db, who, start=from_, end=to, community_id=community_id, group_by=group_by, period=period
    )


async def _export_rows(
    who: Staff,
    db: DB,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: Annotated[datetime | None, Query()] = None,
    community_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[list[TicketStatus] | None, Query()] = None,
    category_id: Annotated[uuid.UUID | None, Query()] = None,
) -> AsyncIterator[list[str]]:
    return stats.export_rows(
        db, who, start=from_, end=to, community_id=community_id, status=status, category_id=category_id
    )


ExportRows = Annotated[AsyncIterator[list[str]], Depends(_export_rows)]


@router.get(
    "/exports/tickets.csv", response_class=Response, responses=exports.openapi_content("csv"), tags=TAGS
)
async def export_csv(rows: ExportRows) -> Response:
    """The filtered ticket list as CSV (UTF-8 with BOM, Chinese headers)."""
    return await exports.response(stats.export_of(rows), "csv")


@router.get(
    "/exports/tickets.xlsx", response_class=Response, responses=exports.openapi_content("xlsx"), tags=TAGS
)
async def export_xlsx(rows: ExportRows) -> Response:
    """The filtered ticket list as an Excel workbook (Chinese headers)."""
    return await exports.response(stats.export_of(rows), "xlsx")


router.include_router(open311_router)
