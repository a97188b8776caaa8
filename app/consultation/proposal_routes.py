"""HTTP routes of proposals (群众下单): propose, support, follow, photos, staff triage."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import JSONResponse, Response

from app.consultation import proposal_photos, proposals, supports, triage
from app.consultation.proposal_schemas import PhotoOut, ProposalIn, ProposalOut, ProposalSummary, TriageIn
from app.consultation.proposals import ProposalSort
from app.core import photos
from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Staff
from app.models.consultation import ProposalStatus
from app.platform.idempotency import IdempotencyDep

router = APIRouter()
ProposalId = Annotated[uuid.UUID, Path(description="Proposal id")]
TAGS: list[str | Any] = ["proposals (群众下单)"]


IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}, "description": "The image"}
}


@router.get("/proposals", response_model=Page[ProposalSummary], tags=TAGS)
async def list_proposals(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    sort: ProposalSort = ProposalSort.supports,
    status: ProposalStatus | None = None,
    flagged: bool | None = None,
    mine: bool = False,
    community_id: uuid.UUID | None = None,
) -> Page[ProposalSummary]:
    """Proposals of your community, most supported (or most pressing, or newest) first."""
    return await proposals.list_proposals(
        db, who, page, sort=sort, status=status, flagged=flagged, mine=mine, community_id=community_id
    )


@router.post("/proposals", response_model=ProposalOut, status_code=201, tags=TAGS)
async def create_proposal(body: ProposalIn, who: CurrentUser, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """群众下单: propose a matter to your community (then add up to 9 photos)."""
    return await idem.run(
        str(who.id), ProposalOut, lambda: proposals.create_proposal(db, who, body), status_code=201
    )


@router.get("/proposals/{proposal_id}", response_model=ProposalOut, tags=TAGS)
async def get_proposal(proposal_id: ProposalId, who: CurrentUser, db: DB) -> ProposalOut:
    """One proposal with its photos, supports and public timeline (staff: internal entries too)."""
    return await proposals.read_proposal(db, who, proposal_id)


@router.post("/proposals/{proposal_id}/withdraw", response_model=ProposalOut, tags=TAGS)
async def withdraw_proposal(proposal_id: ProposalId, who: CurrentUser, db: DB) -> ProposalOut:
    """The author withdraws a proposal not yet answered (撤回)."""
    return await proposals.withdraw_proposal(db, who, proposal_id)


@router.post("/proposals/{proposal_id}/support", response_model=ProposalOut, tags=TAGS)
async def support(proposal_id: ProposalId, who: CurrentUser, db: DB) -> ProposalOut:
    """Support a neighbour's proposal (once each; 409 already_supported)."""
    return await supports.support(db, who, proposal_id)


@router.delete("/proposals/{proposal_id}/support", response_model=ProposalOut, tags=TAGS)
async def withdraw_support(proposal_id: ProposalId, who: CurrentUser, db: DB) -> ProposalOut:
    """Withdraw your support."""
    return await supports.withdraw_support(db, who, proposal_id)


@router.post("/proposals/{proposal_id}/follow", response_model=ProposalOut, tags=TAGS)
async def follow(proposal_id: ProposalId, who: CurrentUser, db: DB) -> ProposalOut:
    """关注: be told of every answer (supporting follows too)."""
    return await supports.follow(db, who, proposal_id)


@router.delete("/proposals/{proposal_id}/follow", response_model=ProposalOut, tags=TAGS)
async def unfollow(proposal_id: ProposalId, who: CurrentUser, db: DB) -> ProposalOut:
    """Stop following."""
    return await supports.unfollow(db, who, proposal_id)


@router.post("/proposals/{proposal_id}/triage", response_model=ProposalOut, tags=TAGS)
async def triage_proposal(
    proposal_id: ProposalId, body: TriageIn, who: Staff, db: DB, idem: IdempotencyDep
) -> JSONResponse:
    """Staff answer: accept onto the agenda, merge, decline with a reason, or turn into a ticket."""
    return await idem.run(
        str(who.id), ProposalOut, lambda: triage.triage(db, who, proposal_id, body), status_code=200
    )


@router.post("/proposals/{proposal_id}/photos", response_model=PhotoOut, status_code=201, tags=TAGS)
async def upload_photo(
    proposal_id: ProposalId,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP, at most 10 MB")],
    who: CurrentUser,
    db: DB,
    storage: photos.PhotoStorage,
) -> PhotoOut:
    """Add a photo (up to 9); it is re-encoded without EXIF and thumbnailed."""
    raw = await file.read(proposal_photos.MAX_PHOTO_BYTES + 1)
    return await proposal_photos.add_photo(db, who, storage, proposal_id, raw)


@router.get(
    "/proposals/{proposal_id}/photos/{photo_id}",
    response_class=Response,
    responses=IMAGE_RESPONSES,
    tags=TAGS,
)
async def download_photo(
    proposal_id: ProposalId,
    photo_id: uuid.UUID,
    who: CurrentUser,
    db: DB,
    storage: photos.PhotoStorage,
    thumbnail: bool = False,
) -> Response:
    """A photo (or its thumbnail), for those who may see the proposal."""
    data, content_type = await proposal_photos.read_photo(db, who, storage, proposal_id, photo_id, thumbnail)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})
