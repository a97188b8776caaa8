"""Open311 GeoReport v2: our categories as services, tickets as service requests.

Reading is public and carries only what staff approved as public (issue #18): tickets appear once staff
publish them, with the public summary they wrote (never the resident's description), the place they
gave rounded to the building or street, coordinates rounded to ~100 m, and phone and ID numbers masked
by `app.core.privacy.mask_contacts`. Reads and filing are rate-limited per client address. Filing
(POST requests.json) needs an `api_key` that an admin issued to a machine client. JSON and XML.
Statuses: open (submitted … pending_info) or closed (resolved, closed, rejected, merged); our own state
goes in `status_notes`; `expected_datetime` is our `due_at`.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Literal
from xml.etree import ElementTree

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import Forbidden, _
from app.core.privacy import mask_contacts
from app.core.ratelimit import Limiter, attempt
from app.core.security import sha256_hex
from app.core.text import Text, printable
from app.identity.principal import Principal
from app.models.identity import OrgUnit
from app.models.tickets import OPEN_STATUSES, Open311Client, Ticket, TicketCategory, TicketChannel
from app.platform.audit import record
from app.tickets import categories, intake
from app.tickets.config import rules
from app.tickets.errors import CategoryNotFound, Open311KeyInvalid, TicketNotFound
from app.tickets.stats import STATUS_LABELS

# Coordinates leave at 3 decimals (~110 m): the street or block, never the door.
COORD_DECIMALS = 3


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: str = "realtime"
    keywords: str = ""
    group: str


class RequestOut(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    service_notice: str | None = None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None
    long: float | None
    media_url: str | None = None


class CreatedOut(BaseModel):
    service_request_id: str
    service_notice: str | None = None
    account_id: str | None = None


class ClientIn(BaseModel):
    name: Text = Field(min_length=1, max_length=100)
    org_unit_id: uuid.UUID = Field(description="The street or community it may file into")


class ClientOut(BaseModel):
    id: uuid.UUID
    name: str
    org_unit_id: uuid.UUID
    api_key: str = Field(description="Shown once; only its hash is kept")


class ServiceDefinition(BaseModel):
    """GeoReport v2 service definition: we ask for no extra attributes."""

    service_code: str
    attributes: list[dict[str, str]] = Field(default_factory=list)


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public_summary: Text = Field(min_length=1, max_length=500, description="What the public may read")
    public_location: Text | None = Field(
        None, max_length=100, description="The place rounded to the building or street: 幸福路 12 栋"
    )


async def rate_limit(limiter: Limiter, address: str | None) -> None:
    await attempt(limiter, [(f"open311:{address or 'unknown'}", rules().open311_calls_per_minute, 60)])


async def services(db: AsyncSession, jurisdiction_id: uuid.UUID | None) -> list[ServiceOut]:
    query = (
        select(TicketCategory, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == TicketCategory.community_id)
        .where(TicketCategory.active.is_(True))
        .order_by(OrgUnit.name, TicketCategory.name)
    )
    if jurisdiction_id is not None:
        query = query.where(TicketCategory.community_id == jurisdiction_id)
    return [
        ServiceOut(
            service_code=str(c.id),
            service_name=c.name,
            description=f"{community}·{c.name}（受理 {c.accept_within_hours} 小时内，办理 {c.resolve_within_hours} 小时内"
            + ("，按工作时间计" if c.working_time else "")
            + "）",
            group=community,
        )
        for c, community in (await db.execute(query)).all()
    ]


def _request_out(t: Ticket, category_name: str, department: str | None) -> RequestOut:
    closed = t.status not in OPEN_STATUSES
    return RequestOut(
        service_request_id=str(t.id),
        status="closed" if closed else "open",
        status_notes=f"{t.status.value}（{STATUS_LABELS[t.status]}）{t.number}",
        service_name=category_name,
        service_code=str(t.category_id),
        description=mask_contacts(t.public_summary),
        agency_responsible=department,
        requested_datetime=t.created_at,
        updated_datetime=t.updated_at,
        expected_datetime=t.due_at,
        address=mask_contacts(t.public_location) or None,
        lat=round(t.lat, COORD_DECIMALS) if t.lat is not None else None,
        long=round(t.lng, COORD_DECIMALS) if t.lng is not None else None,
    )


async def requests(
    db: AsyncSession,
    *,
    service_code: uuid.UUID | None = None,
    status: Literal["open", "closed"] | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    request_ids: list[uuid.UUID] | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    limit: int = 50,
) -> list[RequestOut]:
    department = OrgUnit.__table__.alias("department")
    query = (
        select(Ticket, TicketCategory.name, department.c.name)
        .join(TicketCategory, TicketCategory.id == Ticket.category_id)
        .outerjoin(department, department.c.id == Ticket.department_id)
        .where(Ticket.public_at.is_not(None))  # staff-approved only (ix_tickets_public_created)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(min(limit, rules().open311_max_results))
    )
    if request_ids:
        query = query.where(Ticket.id.in_(request_ids))
    if service_code is not None:
        query = query.where(Ticket.category_id == service_code)
    if jurisdiction_id is not None:
        query = query.where(Ticket.community_id == jurisdiction_id)
    if status == "open":
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    elif status == "closed":
        query = query.where(Ticket.status.not_in(OPEN_STATUSES))
    if start_date is not None:
        query = query.where(Ticket.created_at >= start_date)
    if end_date is not None:
        query = query.where(Ticket.created_at <= end_date)
    return [_request_out(t, name, dept) for t, name, dept in (await db.execute(query)).all()]


async def one_request(db: AsyncSession, request_id: uuid.UUID) -> list[RequestOut]:
    found = await requests(db, request_ids=[request_id], limit=1)
    if not found:
        raise TicketNotFound()
    return found


async def service_definition(db: AsyncSession, service_code: uuid.UUID) -> ServiceDefinition:
    category = await db.get(TicketCategory, service_code)
    if category is None or not category.active:
        raise CategoryNotFound()
    return ServiceDefinition(service_code=str(category.id))


async def publish(db: AsyncSession, who: Principal, ticket_id: uuid.UUID, body: PublishIn) -> RequestOut:
    """Staff approve what of a ticket the public may read (公开): a summary and a rounded place; audited."""
    ticket = await db.get(Ticket, ticket_id)
    if ticket is None or not who.is_staff_of(ticket.community_id):
        raise TicketNotFound()
    ticket.public_summary = body.public_summary
    ticket.public_location = body.public_location
    ticket.public_at = clock.now()
    ticket.public_by = who.id
    await record(
        db,
        actor_id=who.id,
        action="ticket.publish",
        target_type="ticket",
        target_id=ticket.id,
        community_id=ticket.community_id,
        public_summary=body.public_summary,
        public_location=body.public_location,
    )
    await db.flush()
    return (await one_request(db, ticket.id))[0]


async def unpublish(db: AsyncSession, who: Principal, ticket_id: uuid.UUID) -> None:
    ticket = await db.get(Ticket, ticket_id)
    if ticket is None or not who.is_staff_of(ticket.community_id):
        raise TicketNotFound()
    ticket.public_summary = ticket.public_location = None
    ticket.public_at = ticket.public_by = None
    await record(
        db,
        actor_id=who.id,
        action="ticket.unpublish",
        target_type="ticket",
        target_id=ticket.id,
        community_id=ticket.community_id,
    )
    await db.flush()


def to_xml(root: str, item: str, rows: list[BaseModel]) -> bytes:
    """GeoReport v2 XML: <root><item><field>…</field>…</item>…</root>."""
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for name, value in row.model_dump(mode="json").items():
            child = ElementTree.SubElement(element, name)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif isinstance(value, list):
                for entry in value:
                    sub = ElementTree.SubElement(child, "attribute")
                    for key, text in entry.items():
                        ElementTree.SubElement(sub, key).text = str(text)
            elif value is not None:
                child.text = printable(str(value))
    return bytes(ElementTree.tostring(top, encoding="utf-8", xml_declaration=True))


async def _client_for(db: AsyncSession, api_key: str) -> Open311Client:
    client = await db.scalar(
        select(Open311Client).where(
            Open311Client.key_hash == sha256_hex(api_key), Open311Client.revoked_at.is_(None)
        )
    )
    if client is None:
        raise Open311KeyInvalid()
    return client


async def create_request(
    db: AsyncSession,
    *,
    api_key: str,
    service_code: uuid.UUID,
    description: str,
    lat: float | None,
    lng: float | None,
    address_string: str | None,
    first_name: str | None,
    last_name: str | None,
    phone: str | None,
) -> list[CreatedOut]:
    client = await _client_for(db, api_key)
    category = await categories.get_category(db, service_code)
    community = await db.get(OrgUnit, category.community_id)
    if community is None or client.org_unit_id not in (community.id, community.parent_id):
        raise CategoryNotFound()
    name = " ".join(p for p in (last_name, first_name) if p) or None
    ticket = await intake.file_ticket(
        db,
        category=category,
        description=description,
        channel=TicketChannel.open311,
        location=address_string,
        lat=lat,
        lng=lng,
        caller_name=name[:50] if name else None,
        caller_phone=phone[:20] if phone else None,
        open311_client_id=client.id,
    )
    return [CreatedOut(service_request_id=str(ticket.id), service_notice=f"工单编号 {ticket.number}")]


async def issue_client(db: AsyncSession, who: Principal, body: ClientIn) -> ClientOut:
    """An api_key for a machine client over a street or community the admin governs."""
    if body.org_unit_id not in who.admin_units:
        raise Forbidden(_("只能为您管辖的单位签发", "Only for units you administer"))
    key = "o311_" + secrets.token_urlsafe(24)
    client = Open311Client(
        name=body.name,
        key_hash=sha256_hex(key),
        org_unit_id=body.org_unit_id,
        created_by=who.id,
        created_at=clock.now(),
    )
    db.add(client)
    await db.flush()
    await record(
        db,
        actor_id=who.id,
        action="open311.client_issue",
        target_type="open311_client",
        target_id=client.id,
        name=body.name,
    )
    return ClientOut(id=client.id, name=client.name, org_unit_id=client.org_unit_id, api_key=key)


def parse_ids(raw: str | None) -> list[uuid.UUID] | None:
    if not raw:
        return None
    out = []
    for part in raw.split(","):
        try:
            out.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return out or [uuid.UUID(int=0)]
