"""Photos of proposals: up to 9, cleaned and stored like every photo (`app.core.photos.store_photo`:
decoded, no EXIF, thumbnailed, removed again if the request rolls back)."""

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

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = tickets_config.rules().photo_max_bytes  # the same cap as ticket photos
S = ProposalStatus


async def add_photo(
    db: AsyncSession, who: Principal, storage: photos.Storage, proposal_id: uuid.UUID, raw: bytes
) -> PhotoOut:
    """The author (or staff) adds a photo while the proposal is open: cleaned, thumbnailed, at most 9."""
    p = await load(db, who, proposal_id, lock=True)
    if p.author_id != who.id and not who.is_staff_of(p.community_id):
        raise NotProposalAuthor()
    if p.status is not S.open:
        raise ProposalInvalidTransition(current_status=p.status.value)
    count = (await db.execute(select(func.count()).where(ProposalPhoto.proposal_id == p.id))).scalar_one()
    if count >= MAX_PHOTOS:
        raise TooManyPhotos()
    stored = await photos.store_photo(
        db,
        storage,
        raw,
        f"proposals/{p.id}",
        max_bytes=MAX_PHOTO_BYTES,
        too_large=PhotoTooLarge,
        too_many_pixels=PhotoTooManyPixels,
        not_an_image=NotAnImage,
    )
    photo = ProposalPhoto(proposal_id=p.id, uploaded_by=who.id, created_at=clock.now(), **stored.columns())
    db.add(photo)
    await db.flush()
    return photo_out(photo)


async def read_photo(
    db: AsyncSession,
    who: Principal,
    storage: photos.Storage,
    proposal_id: uuid.UUID,
    photo_id: uuid.UUID,
    thumbnail: bool,
) -> tuple[bytes, str]:
    p = await load(db, who, proposal_id)
    photo = await db.get(ProposalPhoto, photo_id)
    if photo is None or photo.proposal_id != p.id:
        raise ProposalPhotoNotFound()
    found = await photos.read_stored(storage, photo, thumbnail)
    if found is None:
        raise ProposalPhotoNotFound()
    return found
