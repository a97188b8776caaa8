"""HTTP routes of the review panel (居民评议团): members, rounds, scores, self-assessment, close."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.identity.deps import CurrentUser, Staff
from app.models.review import RoundStatus
from app.platform.idempotency import IdempotencyDep
from app.review import panel, rounds, scoring
from app.review.schemas import (
    MemberIn,
    MemberOut,
    RoundIn,
    RoundOut,
    RoundSummary,
    ScoresIn,
    SelfAssessmentIn,
)

router = APIRouter()
RoundId = Annotated[uuid.UUID, Path(description="Review round id")]
MemberId = Annotated[uuid.UUID, Path(description="Panel member id")]
TAGS: list[str | Any] = ["review panel (居民评议团)"]


@router.get("/review-panel/members", response_model=list[MemberOut], tags=TAGS)
async def list_members(
    who: CurrentUser, db: DB, community_id: uuid.UUID | None = None, active: bool = False
) -> list[MemberOut]:
    """The panel: staff see every term (or `active=true`); residents of the community those in office."""
    return await panel.list_members(db, who, community_id, active)


@router.post("/review-panel/members", response_model=MemberOut, status_code=201, tags=TAGS)
async def appoint(body: MemberIn, who: Staff, db: DB) -> MemberOut:
    """Appoint a resident to the panel for a term (staff)."""
    return await panel.appoint(db, who, body)


@router.post("/review-panel/members/{member_id}/end", response_model=MemberOut, tags=TAGS)
async def end_term(member_id: MemberId, who: Staff, db: DB) -> MemberOut:
    """End a member's term today (staff)."""
    return await panel.end_term(db, who, member_id)


@router.get("/review-rounds", response_model=Page[RoundSummary], tags=TAGS)
async def list_rounds(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    status: RoundStatus | None = None,
    community_id: uuid.UUID | None = None,
) -> Page[RoundSummary]:
    """Review rounds, newest first (staff: all; members and owners: open and closed; residents: closed)."""
    return await rounds.list_rounds(db, who, page, status=status, community_id=community_id)


@router.post("/review-rounds", response_model=RoundOut, status_code=201, tags=TAGS)
async def create_round(body: RoundIn, who: Staff, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """A draft round (每半年评议会) with the items to evaluate and their criteria (staff)."""
    return await idem.run(str(who.id), RoundOut, lambda: rounds.create_round(db, who, body), status_code=201)


@router.get("/review-rounds/{round_id}", response_model=RoundOut, tags=TAGS)
async def get_round(round_id: RoundId, who: CurrentUser, db: DB) -> RoundOut:
    """One round: items, criteria, my scores; results once published; the previous round's score."""
    return await rounds.get_round(db, who, round_id)


@router.post("/review-rounds/{round_id}/open", response_model=RoundOut, tags=TAGS)
async def open_round(round_id: RoundId, who: Staff, db: DB) -> RoundOut:
    """Open the round for scores (staff)."""
    return await rounds.open_round(db, who, round_id)


@router.post("/review-rounds/{round_id}/scores", response_model=RoundOut, tags=TAGS)
async def score(round_id: RoundId, body: ScoresIn, who: CurrentUser, db: DB) -> RoundOut:
    """Score criteria 1–5 with comments (panel members in their term); again replaces the score."""
    return await scoring.score(db, who, round_id, body)


@router.post("/review-rounds/{round_id}/self-assessments", response_model=RoundOut, tags=TAGS)
async def self_assess(round_id: RoundId, body: SelfAssessmentIn, who: CurrentUser, db: DB) -> RoundOut:
    """自评: the item's owner (or staff) scores its criteria."""
    return await scoring.self_assess(db, who, round_id, body)


@router.post("/review-rounds/{round_id}/close", response_model=RoundOut, tags=TAGS)
async def close(round_id: RoundId, who: Staff, db: DB) -> RoundOut:
    """Close and publish the results; items under the threshold open a rectification (staff)."""
    return await scoring.close(db, who, round_id)
