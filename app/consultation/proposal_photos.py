"""Photos of proposals: up to 9, cleaned like ticket photos (`app.core.photos`: decoded, no EXIF,
thumbnailed) and stored through the tickets' storage seam (local disk or S3-compatible)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.consultation.errors import (
    NotAnImage,
    NotProposalAuthor,
    PhotoTooLarge,
    PhotoTooManyPixels,
    ProposalInvalidTransition,
    ProposalPhotoNotFound,
    TooManyPhotos,
)
from app.consultation.proposal_schemas import PhotoOut
from app.consultation.proposals import load, photo_out
from app.core import clock, photos
from app.identity.principal import Principal
from app.models.consultation import ProposalPhoto, ProposalStatus
from app.tickets import config as tickets_config
from app.tickets import photos as ticket_photos

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = tickets_config.rules().photo_max_bytes  # the same cap as ticket photos
Storage = ticket_photos.Storage
S = ProposalStatus


async def add_photo(
    db: AsyncSession, who: Principal, storage: Storage, proposal_id: uuid.UUID, raw: bytes
) -> PhotoOut:
    """The author (or staff) adds a photo while the proposal is open: cleaned, thumbnailed, at most 9."""
    p = await load(db, who, proposal_id, lock=True)
    if p.author_id != who.id and not who.is_staff_of(p.community_id):
        raise NotProposalAuthor()
    if p.status is not S.open:
        raise ProposalInvalidTransition(current_status=p.status.value)
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    count = (await db.execute(select(func.count()).where(ProposalPhoto.proposal_id == p.id))).scalar_one()
    if count >= MAX_PHOTOS:
        raise TooManyPhotos()
    try:
        image = await photos.clean_photo(raw)
    except photos.ImageTooLarge as exc:
        raise PhotoTooManyPixels() from exc
    except photos.NotDecodable as exc:
        raise NotAnImage() from exc
    photo_id = uuid.uuid4()
    base = f"proposals/{p.id}/{photo_id}"
    key, thumb_key = f"{base}.{image.extension}", f"{base}_thumb.jpg"
    await storage.put(key, image.data)
    await storage.put(thumb_key, image.thumbnail)
    photo = ProposalPhoto(
        id=photo_id,
        proposal_id=p.id,
        uploaded_by=who.id,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        storage_key=key,
        thumb_key=thumb_key,
        created_at=clock.now(),
    )
    db.add(photo)
    await db.flush()
    return photo_out(photo)


async def read_photo(
    db: AsyncSession,
    who: Principal,
    storage: Storage,
    proposal_id: uuid.UUID,
    photo_id: uuid.UUID,
    thumbnail: bool,
) -> tuple[bytes, str]:
    p = await load(db, who, proposal_id)
    photo = await db.get(ProposalPhoto, photo_id)
    if photo is None or photo.proposal_id != p.id:
        raise ProposalPhotoNotFound()
    data = await storage.get(photo.thumb_key if thumbnail else photo.storage_key)
    if data is None:
        raise ProposalPhotoNotFound()
    return data, "image/jpeg" if thumbnail else photo.content_type
