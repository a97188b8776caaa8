"""Photos of a ticket: checked, cleaned of EXIF, thumbnailed, stored (`app.core.photos.store_photo`).

The service knows no URLs: the router passes `links`, which builds a photo's address from the request."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, photos
from app.core.errors import Forbidden
from app.identity.principal import Principal
from app.models.tickets import TicketAttachment
from app.tickets.config import rules
from app.tickets.errors import (
    AttachmentNotFound,
    AttachmentTooLarge,
    ImageTooLarge,
    NotAnImage,
    TooManyAttachments,
)
from app.tickets.queries import is_reporter, load, may_see_internal
from app.tickets.schemas import AttachmentOut
from app.tickets.timeline import add_event

# (ticket id, attachment id) → the photo's URL; `?thumbnail=true` is appended for the thumbnail.
PhotoLinks = Callable[[uuid.UUID, uuid.UUID], str]


def _attachment_out(att: TicketAttachment, links: PhotoLinks) -> AttachmentOut:
    url = links(att.ticket_id, att.id)
    return AttachmentOut(
        id=att.id,
        ticket_id=att.ticket_id,
        content_type=att.content_type,
        size=att.size,
        width=att.width,
        height=att.height,
        created_at=att.created_at,
        url=url,
        thumbnail_url=url + "?thumbnail=true",
    )


async def add_attachment(
    db: AsyncSession,
    who: Principal,
    storage: photos.Storage,
    links: PhotoLinks,
    ticket_id: uuid.UUID,
    raw: bytes,
) -> AttachmentOut:
    """A photo from the reporter, staff or a handler: checked, cleaned of EXIF, thumbnailed, stored."""
    ticket = await load(db, who, ticket_id, lock=True)
    if not (is_reporter(who, ticket) or ticket.created_by == who.id or may_see_internal(who, ticket)):
        raise Forbidden()
    count = await db.scalar(
        select(func.count()).select_from(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
    )
    if (count or 0) >= rules().photos_per_ticket:
        raise TooManyAttachments()
    stored = await photos.store_photo(
        db,
        storage,
        raw,
        f"tickets/{ticket.id}",
        max_bytes=rules().photo_max_bytes,
        too_large=AttachmentTooLarge,
        too_many_pixels=ImageTooLarge,
        not_an_image=NotAnImage,
    )
    att = TicketAttachment(
        ticket_id=ticket.id, uploaded_by=who.id, created_at=clock.now(), **stored.columns()
    )
    db.add(att)
    await add_event(db, ticket, who.id, "photo_added", attachment_id=att.id)
    await db.flush()
    return _attachment_out(att, links)


async def list_attachments(
    db: AsyncSession, who: Principal, links: PhotoLinks, ticket_id: uuid.UUID
) -> list[AttachmentOut]:
    ticket = await load(db, who, ticket_id)
    rows = await db.execute(
        select(TicketAttachment)
        .where(TicketAttachment.ticket_id == ticket.id)
        .order_by(TicketAttachment.created_at, TicketAttachment.id)
    )
    return [_attachment_out(a, links) for a in rows.scalars()]


async def read_attachment(
    db: AsyncSession,
    who: Principal,
    storage: photos.Storage,
    ticket_id: uuid.UUID,
    attachment_id: uuid.UUID,
    thumbnail: bool,
) -> tuple[bytes, str]:
    """The stored bytes, only for someone who may see the ticket."""
    ticket = await load(db, who, ticket_id)
    att = await db.get(TicketAttachment, attachment_id)
    if att is None or att.ticket_id != ticket.id:
        raise AttachmentNotFound()
    found = await photos.read_stored(storage, att, thumbnail)
    if found is None:
        raise AttachmentNotFound()
    return found
