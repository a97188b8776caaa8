"""HTTP routes of service items, applications, stats and office hours: parse, authorise, call one service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.core import exports
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.core.text import Text
from app.identity.deps import CurrentUser, Staff
from app.models.service_items import ItemCategory, RequestStatus
from app.platform.idempotency import IdempotencyDep
from app.service_items import backoffice, catalogue, requests, slip, spreadsheet, stats
from app.service_items import office_hours as hours
from app.service_items import queue as walk_in
from app.service_items.config import rules
from app.service_items.schemas import (
    ApproveIn,
    ConsentIn,
    CorrectionIn,
    EventOut,
    HandoverIn,
    ImportOut,
    ItemIn,
    ItemOut,
    ItemPatch,
    MaterialsIn,
    NoteIn,
    NoteOut,
    OfficeHoursIn,
    OfficeHoursOut,
    QueueNumberOut,
    QueueOut,
    QueueTakeIn,
    RateIn,
    ReasonIn,
    RequestIn,
    RequestOut,
    SessionOut,
    StatsOut,
)

router = APIRouter()
XLSX = exports.XLSX_TYPE
ItemId = Annotated[uuid.UUID, Path(description="Service item id")]
RequestId = Annotated[uuid.UUID, Path(description="Application id")]
OfficeHoursId = Annotated[uuid.UUID, Path(description="Office hours id")]
ITEMS: list[str | Any] = ["service items"]
REQUESTS: list[str | Any] = ["service requests"]
OFFICE: list[str | Any] = ["office hours"]


# ---------------------------------------------------------------- catalogue


@router.get("/service-items", response_model=Page[ItemOut], tags=ITEMS)
async def list_items(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    community_id: uuid.UUID | None = None,
    category: ItemCategory | None = None,
    q: Annotated[Text | None, Query(max_length=50)] = None,
    include_inactive: bool = False,
) -> Page[Any]:
    """The catalogue (事项清单) of your community, by code, each item in its current version."""
    return await catalogue.list_items(
        db, who, page, community_id=community_id, category=category, q=q, include_inactive=include_inactive
    )


@router.post("/service-items", response_model=ItemOut, status_code=201, tags=ITEMS)
async def create_item(body: ItemIn, who: Staff, db: DB) -> ItemOut:
    """Add an item with its materials checklist and time limit (version 1)."""
    return await catalogue.create_item(db, who, body)


@router.get(
    "/service-items/export.xlsx",
    response_class=Response,
    tags=ITEMS,
    responses={200: {"content": {XLSX: {}}, "description": "The catalogue as XLSX"}},
)
async def export_items(who: Staff, db: DB, community_id: uuid.UUID | None = None) -> Response:
    """The catalogue (current versions) as XLSX, in the layout import reads."""
    community = catalogue.write_community(who, community_id)
    headers, rows = await spreadsheet.export_rows(db, who, community)
    return await exports.response(spreadsheet.sheet("service-items", headers, rows), "xlsx")


@router.post("/service-items/import", response_model=ImportOut, tags=ITEMS)
async def import_items(
    who: Staff, db: DB, file: Annotated[UploadFile, File()], community_id: uuid.UUID | None = None
) -> ImportOut:
    """Import an XLSX catalogue (at most 1 MB, 500 rows): validated row by row, all or nothing."""
    content = await file.read(rules().import_max_bytes + 1)
    return await spreadsheet.import_items(db, who, community_id, content)


@router.get("/service-items/{item_id}", response_model=ItemOut, tags=ITEMS)
async def get_item(item_id: ItemId, who: CurrentUser, db: DB) -> ItemOut:
    """One item in its current version."""
    return await catalogue.get_item(db, who, item_id)


@router.patch("/service-items/{item_id}", response_model=ItemOut, tags=ITEMS)
async def update_item(item_id: ItemId, body: ItemPatch, who: Staff, db: DB) -> ItemOut:
    """Edit an item: a new version; applications in flight keep the version they were taken on."""
    return await catalogue.update_item(db, who, item_id, body)


# ---------------------------------------------------------------- applications


@router.post("/service-requests", response_model=RequestOut, status_code=201, tags=REQUESTS)
async def create_request(body: RequestIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Apply for yourself, take in at the desk (staff), or apply for a resident you help (代办员)."""
    return await idem.run(
        str(who.id), RequestOut, lambda: requests.create_request(db, who, body), status_code=201
    )


@router.get("/service-requests", response_model=Page[RequestOut], tags=REQUESTS)
async def list_requests(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: RequestStatus | None = None,
    mine: bool = False,
    overdue: bool = False,
) -> Page[Any]:
    """Yours (for you or taken in by you), your department's, or your community's as staff; newest first."""
    return await requests.list_requests(db, who, page, status=status, mine=mine, overdue=overdue)


@router.get("/service-requests/{request_id}", response_model=RequestOut, tags=REQUESTS)
async def get_request(request_id: RequestId, who: CurrentUser, db: DB) -> RequestOut:
    """One application with its materials, what is missing and its deadline."""
    return await requests.get_request(db, who, request_id)


@router.get("/service-requests/{request_id}/events", response_model=list[EventOut], tags=REQUESTS)
async def timeline(request_id: RequestId, who: CurrentUser, db: DB) -> list[EventOut]:
    """Every step of the application (residents see the public ones)."""
    return await requests.timeline(db, who, request_id)


@router.get(
    "/service-requests/{request_id}/slip",
    response_class=HTMLResponse,
    tags=REQUESTS,
    responses={200: {"content": {"text/html": {}}, "description": "A printable slip"}},
)
async def print_slip(request_id: RequestId, who: CurrentUser, db: DB) -> HTMLResponse:
    """The printable slip: the one complete list of what is missing (一次性告知单), or the receipt (受理回执)."""
    return HTMLResponse(await slip.render(db, who, request_id))


@router.post("/service-requests/{request_id}/consent", response_model=RequestOut, tags=REQUESTS)
async def consent(
    request_id: RequestId, who: CurrentUser, db: DB, body: ConsentIn | None = None
) -> RequestOut:
    """The resident agrees to a 代办员 acting for them, or staff note a signed authorisation form."""
    return await requests.give_consent(db, who, request_id, body or ConsentIn())


@router.post("/service-requests/{request_id}/materials", response_model=RequestOut, tags=REQUESTS)
async def materials(request_id: RequestId, body: MaterialsIn, who: CurrentUser, db: DB) -> RequestOut:
    """Tick materials received: completes the intake, or supplies a correction (补正)."""
    return await requests.add_materials(db, who, request_id, body)


@router.post("/service-requests/{request_id}/accept", response_model=RequestOut, tags=REQUESTS)
async def accept(request_id: RequestId, who: CurrentUser, db: DB) -> RequestOut:
    """The department takes the application up (后台接件)."""
    return await backoffice.accept(db, who, request_id)


@router.post("/service-requests/{request_id}/correction", response_model=RequestOut, tags=REQUESTS)
async def correction(request_id: RequestId, body: CorrectionIn, who: CurrentUser, db: DB) -> RequestOut:
    """Ask for a correction (补正): the clock pauses until it is supplied."""
    return await backoffice.ask_correction(db, who, request_id, body)


@router.post("/service-requests/{request_id}/approve", response_model=RequestOut, tags=REQUESTS)
async def approve(
    request_id: RequestId, who: CurrentUser, db: DB, body: ApproveIn | None = None
) -> RequestOut:
    """Approve (办结), with an optional remark."""
    return await backoffice.approve(db, who, request_id, body or ApproveIn())


@router.post("/service-requests/{request_id}/reject", response_model=RequestOut, tags=REQUESTS)
async def reject(request_id: RequestId, body: ReasonIn, who: CurrentUser, db: DB) -> RequestOut:
    """Reject (不予办理) with the reason the resident reads."""
    return await backoffice.reject(db, who, request_id, body)


@router.post("/service-requests/{request_id}/handover", response_model=RequestOut, tags=REQUESTS)
async def handover(request_id: RequestId, body: HandoverIn, who: CurrentUser, db: DB) -> RequestOut:
    """Record how the result reached the resident: 窗口领取, 送达 or 代办员转交."""
    return await backoffice.hand_over(db, who, request_id, body)


@router.post("/service-requests/{request_id}/rate", response_model=RequestOut, tags=REQUESTS)
async def rate(request_id: RequestId, body: RateIn, who: CurrentUser, db: DB) -> RequestOut:
    """The resident rates the service at the end."""
    return await backoffice.rate(db, who, request_id, body)


@router.get("/stats/service-items", response_model=StatsOut, tags=REQUESTS)
async def item_stats(
    who: Staff,
    db: DB,
    group_by: Literal["item", "department"] = "item",
    community_id: uuid.UUID | None = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> StatsOut:
    """Per item or department: volume, on-time rate, average working days, corrections, satisfaction."""
    return await stats.compute(db, who, community_id=community_id, group_by=group_by, start=from_, end=to)


@router.get(
    "/exports/service-items-stats.{fmt}",
    response_class=Response,
    tags=REQUESTS,
    responses={200: {"content": {XLSX: {}, "text/csv": {}}, "description": "The stats as XLSX or CSV"}},
)
async def export_stats(
    who: Staff,
    db: DB,
    fmt: Literal["csv", "xlsx"],
    group_by: Literal["item", "department"] = "item",
    community_id: uuid.UUID | None = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> Response:
    """The stats per item or department as a spreadsheet."""
    result = await stats.compute(db, who, community_id=community_id, group_by=group_by, start=from_, end=to)
    headers, rows = stats.table(result)
    return await exports.response(spreadsheet.sheet("service-items-stats", headers, rows, "办件统计"), fmt)


# ---------------------------------------------------------------- office hours


@router.get("/office-hours", response_model=list[OfficeHoursOut], tags=OFFICE)
async def list_office_hours(
    who: CurrentUser, db: DB, community_id: uuid.UUID | None = None
) -> list[OfficeHoursOut]:
    """Officials' and professionals' office hours (驻点服务) with their next sessions and places left."""
    return await hours.list_all(db, who, community_id)


@router.post("/office-hours", response_model=OfficeHoursOut, status_code=201, tags=OFFICE)
async def create_office_hours(body: OfficeHoursIn, who: Staff, db: DB) -> OfficeHoursOut:
    """Add recurring office hours; with a capacity, bookable slots are made for the next eight weeks."""
    return await hours.create(db, who, body)


@router.get("/office-hours/{oh_id}", response_model=OfficeHoursOut, tags=OFFICE)
async def get_office_hours(oh_id: OfficeHoursId, who: CurrentUser, db: DB) -> OfficeHoursOut:
    """One official's office hours with the next sessions."""
    return await hours.get(db, who, oh_id)


@router.get("/office-hours/{oh_id}/sessions", response_model=list[SessionOut], tags=OFFICE)
async def sessions(
    oh_id: OfficeHoursId,
    who: CurrentUser,
    db: DB,
    from_: Annotated[date, Query(alias="from")],
    to: date,
) -> list[SessionOut]:
    """Session days in a range: public holidays skipped, days off in lieu moved to their make-up day."""
    return await hours.sessions(db, who, oh_id, from_, to)


@router.post("/office-hours/{oh_id}/sessions", response_model=list[SessionOut], tags=OFFICE)
async def generate_sessions(
    oh_id: OfficeHoursId,
    who: Staff,
    db: DB,
    from_: Annotated[date, Query(alias="from")],
    to: date,
) -> list[SessionOut]:
    """Make the sessions (and booking slots) of a range ahead of time."""
    return await hours.generate(db, who, oh_id, from_, to)


@router.post("/office-hours/{oh_id}/queue", response_model=QueueNumberOut, status_code=201, tags=OFFICE)
async def take_number(
    oh_id: OfficeHoursId, who: CurrentUser, db: DB, body: QueueTakeIn | None = None
) -> QueueNumberOut:
    """Take a number in today's walk-in queue (取号); taking again gives you the same number."""
    return await walk_in.take_number(db, who, oh_id, body or QueueTakeIn())


@router.get("/office-hours/{oh_id}/queue", response_model=QueueOut, tags=OFFICE)
async def see_queue(oh_id: OfficeHoursId, who: CurrentUser, db: DB) -> QueueOut:
    """Today's queue: the number served now, how many wait, your number and position."""
    return await walk_in.queue(db, who, oh_id)


@router.post("/office-hours/{oh_id}/call-next", response_model=QueueNumberOut, tags=OFFICE)
async def call_next(oh_id: OfficeHoursId, who: CurrentUser, db: DB) -> QueueNumberOut:
    """Call the next number (叫号): the official or the community's staff."""
    return await walk_in.call_next(db, who, oh_id)


@router.post("/office-hours/{oh_id}/notes", response_model=NoteOut, status_code=201, tags=OFFICE)
async def add_note(oh_id: OfficeHoursId, body: NoteIn, who: CurrentUser, db: DB) -> NoteOut:
    """A private note of a consultation (the official and the community's staff only)."""
    return await walk_in.add_note(db, who, oh_id, body)


@router.get("/office-hours/{oh_id}/notes", response_model=list[NoteOut], tags=OFFICE)
async def list_notes(oh_id: OfficeHoursId, who: CurrentUser, db: DB) -> list[NoteOut]:
    """Consultation notes: the official's own; the community's staff see all."""
    return await walk_in.notes(db, who, oh_id)
