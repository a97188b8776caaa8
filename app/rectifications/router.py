"""HTTP routes of rectification items (整改): list, read, progress notes, close."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Staff
from app.models.rectifications import RectificationSource, RectificationStatus
from app.rectifications import service
from app.rectifications.schemas import CloseIn, NoteIn, RectificationOut

router = APIRouter()
ItemId = Annotated[uuid.UUID, Path(description="Rectification item id")]
TAGS: list[str | Any] = ["rectifications (整改)"]


@router.get("/rectifications", response_model=Page[RectificationOut], tags=TAGS)
async def list_items(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    source_kind: RectificationSource | None = None,
    source_id: uuid.UUID | None = None,
    status: RectificationStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[RectificationOut]:
    """Rectification items, newest first: staff see their communities'; residents the published ones."""
    return await service.list_items(
        db, who, page, source_kind=source_kind, source_id=source_id, status=status, community_id=community_id
    )


@router.get("/rectifications/{item_id}", response_model=RectificationOut, tags=TAGS)
async def get_item(item_id: ItemId, who: CurrentUser, db: DB) -> RectificationOut:
    """One rectification item with its progress notes."""
    return await service.get_item(db, who, item_id)


@router.post("/rectifications/{item_id}/notes", response_model=RectificationOut, status_code=201, tags=TAGS)
async def add_note(item_id: ItemId, body: NoteIn, who: CurrentUser, db: DB) -> RectificationOut:
    """Add a progress note (整改进展): staff of the community or the item's owner."""
    return await service.add_note(db, who, item_id, body)


@router.post("/rectifications/{item_id}/close", response_model=RectificationOut, tags=TAGS)
async def close(item_id: ItemId, body: CloseIn, who: Staff, db: DB) -> RectificationOut:
    """办结: close the item with a note on how it was put right (staff)."""
    return await service.close(db, who, item_id, body)
