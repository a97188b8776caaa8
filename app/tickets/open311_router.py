"""HTTP routes of Open311 GeoReport v2 (the public feed and machine intake) and its clients; mounted by
`app.tickets.router`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from app.core.database import DB
from app.core.text import Text
from app.identity.deps import Admin, Staff
from app.tickets import open311

router = APIRouter()
OPEN311: list[str | Any] = ["open311"]
DateParam = Annotated[datetime | None, Query(description="ISO 8601 with offset")]


@router.post("/open311-clients", response_model=open311.ClientOut, status_code=201, tags=OPEN311)
async def issue_open311_client(body: open311.ClientIn, who: Admin, db: DB) -> open311.ClientOut:
    """Issue an api_key to a machine client (a 12345 platform) for POST requests.json."""
    return await open311.issue_client(db, who, body)


async def _open311_limit(request: Request) -> None:
    """Every Open311 call counts against its client address (60 a minute)."""
    await open311.rate_limit(request.app.state.limiter, request.client.host if request.client else None)


Open311Limited = Depends(_open311_limit)
XML = "text/xml; charset=utf-8"


class RequestsQuery:
    """GeoReport v2 request filters, shared by .json and .xml."""

    def __init__(
        self,
        service_code: Annotated[uuid.UUID | None, Query()] = None,
        status: Annotated[Literal["open", "closed"] | None, Query()] = None,
        start_date: DateParam = None,
        end_date: DateParam = None,
        service_request_id: Annotated[
            Text | None, Query(max_length=4000, description="Comma-separated ids")
        ] = None,
        jurisdiction_id: Annotated[uuid.UUID | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> None:
        self.filters: dict[str, Any] = {
            "service_code": service_code,
            "status": status,
            "start_date": start_date,
            "end_date": end_date,
            "request_ids": open311.parse_ids(service_request_id),
            "jurisdiction_id": jurisdiction_id,
            "limit": limit,
        }


RequestsFilters = Annotated[RequestsQuery, Depends()]


@router.post(
    "/tickets/{ticket_id}/publish",
    response_model=open311.RequestOut,
    tags=OPEN311,
)
async def publish(ticket_id: uuid.UUID, body: open311.PublishIn, who: Staff, db: DB) -> open311.RequestOut:
    """Approve what the public (Open311) may read of a ticket: a summary and a rounded place (staff)."""
    return await open311.publish(db, who, ticket_id, body)


@router.delete("/tickets/{ticket_id}/publish", status_code=204, tags=OPEN311)
async def unpublish(ticket_id: uuid.UUID, who: Staff, db: DB) -> Response:
    """Withdraw a ticket from the public Open311 feed (staff)."""
    await open311.unpublish(db, who, ticket_id)
    return Response(status_code=204)


@router.get(
    "/open311/v2/services.json",
    response_model=list[open311.ServiceOut],
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_services(
    db: DB, jurisdiction_id: Annotated[uuid.UUID | None, Query()] = None
) -> list[open311.ServiceOut]:
    """GeoReport v2 service list: our ticket categories."""
    return await open311.services(db, jurisdiction_id)


@router.get(
    "/open311/v2/services.xml",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_services_xml(
    db: DB, jurisdiction_id: Annotated[uuid.UUID | None, Query()] = None
) -> Response:
    """GeoReport v2 service list as XML."""
    rows = await open311.services(db, jurisdiction_id)
    return Response(open311.to_xml("services", "service", list(rows)), media_type=XML)


@router.get(
    "/open311/v2/services/{service_code}.json",
    response_model=open311.ServiceDefinition,
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_service_definition(service_code: uuid.UUID, db: DB) -> open311.ServiceDefinition:
    """GeoReport v2 service definition (no extra attributes are asked for)."""
    return await open311.service_definition(db, service_code)


@router.get(
    "/open311/v2/services/{service_code}.xml",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_service_definition_xml(service_code: uuid.UUID, db: DB) -> Response:
    """GeoReport v2 service definition as XML."""
    definition = await open311.service_definition(db, service_code)
    top = open311.to_xml("service_definition", "service", [definition])
    return Response(top, media_type=XML)


@router.get(
    "/open311/v2/requests.json",
    response_model=list[open311.RequestOut],
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_requests(db: DB, query: RequestsFilters) -> list[open311.RequestOut]:
    """GeoReport v2 requests: only what staff made public, newest first."""
    return await open311.requests(db, **query.filters)


@router.get(
    "/open311/v2/requests.xml",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_requests_xml(db: DB, query: RequestsFilters) -> Response:
    """GeoReport v2 requests as XML."""
    rows = await open311.requests(db, **query.filters)
    return Response(open311.to_xml("service_requests", "request", list(rows)), media_type=XML)


@router.post(
    "/open311/v2/requests.json",
    response_model=list[open311.CreatedOut],
    status_code=201,
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_create(
    db: DB,
    api_key: Annotated[Text, Form(min_length=1, max_length=200)],
    service_code: Annotated[uuid.UUID, Form()],
    description: Annotated[Text, Form(min_length=1, max_length=5000)],
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    long: Annotated[float | None, Form(ge=-180, le=180)] = None,
    address_string: Annotated[Text | None, Form(max_length=200)] = None,
    first_name: Annotated[Text | None, Form(max_length=50)] = None,
    last_name: Annotated[Text | None, Form(max_length=50)] = None,
    phone: Annotated[Text | None, Form(max_length=20)] = None,
) -> list[open311.CreatedOut]:
    """GeoReport v2: file a request (form-encoded, with the client's api_key)."""
    return await open311.create_request(
        db,
        api_key=api_key,
        service_code=service_code,
        description=description,
        lat=lat,
        lng=long,
        address_string=address_string,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
    )


@router.get(
    "/open311/v2/requests/{request_id}.json",
    response_model=list[open311.RequestOut],
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_request(request_id: uuid.UUID, db: DB) -> list[open311.RequestOut]:
    """GeoReport v2: one request, as an array of one (as the spec has it)."""
    return await open311.one_request(db, request_id)


@router.get(
    "/open311/v2/requests/{request_id}.xml",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
    tags=OPEN311,
    dependencies=[Open311Limited],
)
async def open311_request_xml(request_id: uuid.UUID, db: DB) -> Response:
    """GeoReport v2: one request as XML."""
    rows = await open311.one_request(db, request_id)
    return Response(open311.to_xml("service_requests", "request", list(rows)), media_type=XML)
